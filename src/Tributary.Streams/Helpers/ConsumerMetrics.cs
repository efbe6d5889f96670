using Confluent.Kafka;

namespace Tributary.Streams.Helpers;

/// <summary>A snapshot of a consumer source's state and counters.</summary>
/// <param name="AssignedPartitions">Partitions currently assigned to the consumer.</param>
/// <param name="PausedPartitions">Assigned partitions paused because their source's buffer is full.</param>
/// <param name="RecordsConsumed">Records handed to the source since start.</param>
/// <param name="OffsetsCommitted">Partition offsets committed since start.</param>
/// <param name="OffsetsDropped">Offsets not committed because their partition was no longer assigned.</param>
/// <param name="Statistics">The latest librdkafka statistics JSON (set <c>statistics.interval.ms</c> to enable), or null.</param>
public sealed record ConsumerMetrics(
    IReadOnlyList<TopicPartition> AssignedPartitions,
    IReadOnlyList<TopicPartition> PausedPartitions,
    long RecordsConsumed,
    long OffsetsCommitted,
    long OffsetsDropped,
    string? Statistics);
