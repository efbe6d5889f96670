using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// The offset of a record read by a transactional source, as its message's
/// <see cref="TransactionalMessage{TKey,TValue}.PartitionOffset"/>. Only a transactional flow or sink commits it,
/// inside the transaction that holds the record's output; it remembers the source state it belongs to.
/// </summary>
internal sealed record TransactionalOffset : GroupTopicPartitionOffset
{
    public TransactionalOffset(TransactionalSourceState source, TopicPartitionOffset record)
        : base(source.GroupId, record.Topic, record.Partition.Value, record.Offset) =>
        Source = source;

    public TransactionalSourceState Source { get; }

    public override string ToString() => $"{Topic}[{Partition}]@{Offset.Value} ({GroupId}, transactional)";
}
