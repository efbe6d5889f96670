using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>The consumer that read a record and can commit its offset (implemented by the poll loop).</summary>
internal interface IOffsetCommitter
{
    /// <summary>Consumer group id of the consumer.</summary>
    string GroupId { get; }

    /// <summary>Commits offsets (already the next offset to read); offsets of partitions no longer assigned are dropped.</summary>
    Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken);
}
