using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>
/// The offset of a record read by a transactional source. It is committed by the transactional flow, inside the
/// transaction that holds the record's output; committing it on its own would break exactly-once, so
/// <see cref="CommitAsync"/> refuses.
/// </summary>
internal sealed class TransactionalOffset(TransactionalSourceState source, TopicPartitionOffset record) : ICommittableOffset
{
    public TransactionalSourceState Source { get; } = source;

    public PartitionOffset PartitionOffset { get; } =
        new(new GroupTopicPartition(source.GroupId, record.Topic, record.Partition.Value), record.Offset.Value);

    public TopicPartition TopicPartition => new(PartitionOffset.Key.Topic, PartitionOffset.Key.Partition);

    public long BatchSize => 1;

    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        Task.FromException(new InvalidOperationException(
            "Offsets of a transactional source are committed by Transactional.Sink or Transactional.Flow, inside their transaction."));

    public override string ToString() => $"{PartitionOffset.Key.Topic}[{PartitionOffset.Key.Partition}]@{PartitionOffset.Offset} ({PartitionOffset.Key.GroupId}, transactional)";
}
