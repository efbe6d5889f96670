using Confluent.Kafka;
using Tributary.Streams;

namespace Tributary.Testing;

/// <summary>
/// Builds consumed records, committable offsets and committable messages for unit tests without a broker
/// (named after Alpakka Kafka's testkit). The offsets record their own commits: <see cref="FakeCommittableOffset.Committed"/>.
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
    /// <param name="groupId">Consumer group id.</param>
    public static FakeCommittableOffset CommittableOffset(string topic, int partition, long offset, string groupId = DefaultGroupId) =>
        new(new PartitionOffset(new GroupTopicPartition(groupId, topic, partition), offset));

    /// <summary>A committable message: the record and a recording committable offset for it.</summary>
    /// <param name="record">The consumed record.</param>
    /// <param name="groupId">Consumer group id.</param>
    public static CommittableMessage<TKey, TValue> CommittableMessage<TKey, TValue>(ConsumeResult<TKey, TValue> record, string groupId = DefaultGroupId) =>
        new(record, CommittableOffset(record.Topic, record.Partition.Value, record.Offset.Value, groupId));

    /// <summary>A committable message built from its parts.</summary>
    /// <param name="topic">Topic.</param>
    /// <param name="partition">Partition.</param>
    /// <param name="offset">Offset.</param>
    /// <param name="key">Key.</param>
    /// <param name="value">Value.</param>
    /// <param name="groupId">Consumer group id.</param>
    public static CommittableMessage<TKey, TValue> CommittableMessage<TKey, TValue>(string topic, int partition, long offset, TKey key, TValue value, string groupId = DefaultGroupId) =>
        CommittableMessage(ConsumeResult(topic, partition, offset, key, value), groupId);
}

/// <summary>
/// A committable offset for tests: <see cref="CommitAsync"/> completes at once and counts the commit. Tributary's
/// committer stages accept only offsets from Tributary sources; use this one where the code under test commits
/// offsets itself or hands them on.
/// </summary>
/// <param name="partitionOffset">Group, partition and offset of the record.</param>
public sealed class FakeCommittableOffset(PartitionOffset partitionOffset) : ICommittableOffset
{
    private int _commits;

    /// <inheritdoc />
    public PartitionOffset PartitionOffset { get; } = partitionOffset;

    /// <inheritdoc />
    public long BatchSize => 1;

    /// <summary>How many times <see cref="CommitAsync"/> was called.</summary>
    public int Commits => Volatile.Read(ref _commits);

    /// <summary>Whether it was committed at least once.</summary>
    public bool Committed => Commits > 0;

    /// <inheritdoc />
    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commits);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"{PartitionOffset.Key.Topic}[{PartitionOffset.Key.Partition}]@{PartitionOffset.Offset} ({PartitionOffset.Key.GroupId}, fake)";
}
