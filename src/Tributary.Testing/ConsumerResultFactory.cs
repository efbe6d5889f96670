using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Internal;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Testing;

/// <summary>
/// Builds consumed records, committable offsets and committable messages for unit tests without a broker
/// (named after Alpakka Kafka's testkit). The offsets are bound to a <see cref="FakeOffsetCommitter"/> that records
/// their commits, whether the code under test commits them itself or hands them to <see cref="Committer"/> stages.
/// </summary>
public static class ConsumerResultFactory
{
    /// <summary>The group id offsets get when none is given.</summary>
    public const string DefaultGroupId = "test-group";

    /// <summary>A consumed record.</summary>
    /// <param name="topic">Topic it was read from.</param>
    /// <param name="partition">Partition it was read from.</param>
    /// <param name="offset">Its offset.</param>
    /// <param name="key">Its key.</param>
    /// <param name="value">Its value.</param>
    /// <param name="timestamp">Its timestamp; now when null.</param>
    /// <param name="headers">Its headers; none when null.</param>
    public static ConsumeResult<TKey, TValue> ConsumeResult<TKey, TValue>(
        string topic, int partition, long offset, TKey key, TValue value, DateTime? timestamp = null, Headers? headers = null) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<TKey, TValue>
        {
            Key = key,
            Value = value,
            Timestamp = new Timestamp(timestamp ?? DateTime.UtcNow, TimestampType.CreateTime),
            Headers = headers ?? [],
        },
    };

    /// <summary>A committable offset that records its commits instead of sending them.</summary>
    /// <param name="topic">Topic.</param>
    /// <param name="partition">Partition.</param>
    /// <param name="offset">The consumed record's offset (committing stores <c>offset + 1</c>).</param>
    /// <param name="committer">
    /// The committer that records its commits; share one between the offsets of a test to see everything the code
    /// under test committed. A new one (of <see cref="DefaultGroupId"/>) when null.
    /// </param>
    public static FakeCommittableOffset CommittableOffset(string topic, int partition, long offset, FakeOffsetCommitter? committer = null) =>
        new(committer ?? new FakeOffsetCommitter(), new TopicPartitionOffset(topic, partition, offset));

    /// <summary>A committable message: the record and a recording committable offset for it.</summary>
    /// <param name="record">The consumed record.</param>
    /// <param name="committer">The committer that records its commits; a new one when null.</param>
    public static CommittableMessage<TKey, TValue> CommittableMessage<TKey, TValue>(ConsumeResult<TKey, TValue> record, FakeOffsetCommitter? committer = null) =>
        new(record, CommittableOffset(record.Topic, record.Partition.Value, record.Offset.Value, committer));

    /// <summary>A committable message built from its parts.</summary>
    /// <param name="topic">Topic.</param>
    /// <param name="partition">Partition.</param>
    /// <param name="offset">Offset.</param>
    /// <param name="key">Key.</param>
    /// <param name="value">Value.</param>
    /// <param name="committer">The committer that records its commits; a new one when null.</param>
    public static CommittableMessage<TKey, TValue> CommittableMessage<TKey, TValue>(string topic, int partition, long offset, TKey key, TValue value,
        FakeOffsetCommitter? committer = null) =>
        CommittableMessage(ConsumeResult(topic, partition, offset, key, value), committer);
}

/// <summary>
/// A committable offset for tests, bound to a <see cref="FakeOffsetCommitter"/>: committing it directly or through
/// <see cref="Committer"/> stages records the commit there instead of sending it.
/// </summary>
public sealed class FakeCommittableOffset : IBoundOffset
{
    private readonly FakeOffsetCommitter _committer;

    internal FakeCommittableOffset(FakeOffsetCommitter committer, TopicPartitionOffset record)
    {
        _committer = committer;
        PartitionOffset = new PartitionOffset(new GroupTopicPartition(committer.GroupId, record.Topic, record.Partition.Value), record.Offset.Value);
    }

    /// <inheritdoc />
    public PartitionOffset PartitionOffset { get; }

    /// <inheritdoc />
    public long BatchSize => 1;

    /// <summary>The committer that records this offset's commits.</summary>
    public FakeOffsetCommitter Committer => _committer;

    IOffsetCommitter IBoundOffset.Committer => _committer;

    /// <summary>
    /// Whether a commit covers this record: this offset or a later one of its partition was committed (Kafka keeps
    /// one position per partition, so committing a later record commits the earlier ones too).
    /// </summary>
    public bool Committed => _committer.IsCommitted(new TopicPartition(PartitionOffset.Key.Topic, PartitionOffset.Key.Partition), PartitionOffset.Offset);

    /// <inheritdoc />
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        ((IOffsetCommitter)_committer).CommitAsync(
            [new TopicPartitionOffset(PartitionOffset.Key.Topic, PartitionOffset.Key.Partition, PartitionOffset.Offset + 1)], cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{PartitionOffset.Key.Topic}[{PartitionOffset.Key.Partition}]@{PartitionOffset.Offset} ({PartitionOffset.Key.GroupId}, fake)";
}
