using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>Exposes the allowed subset of a Confluent.Kafka consumer to partition handlers.</summary>
internal sealed class RestrictedConsumer<TKey, TValue>(IConsumer<TKey, TValue> consumer) : IRestrictedConsumer
{
    public IReadOnlyList<TopicPartition> Assignment => consumer.Assignment;

    public Offset Position(TopicPartition partition) => consumer.Position(partition);

    public void Seek(TopicPartitionOffset offset) => consumer.Seek(offset);

    public IReadOnlyList<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => consumer.Committed(partitions, timeout);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout) => consumer.QueryWatermarkOffsets(partition, timeout);

    public IReadOnlyList<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestamps, TimeSpan timeout) => consumer.OffsetsForTimes(timestamps, timeout);

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => consumer.Commit(offsets);
}
