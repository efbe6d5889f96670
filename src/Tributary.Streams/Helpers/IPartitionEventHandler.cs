using System.Collections.Immutable;
using Confluent.Kafka;

namespace Tributary.Streams.Helpers;

/// <summary>
/// Callbacks on partition assignment changes. They run on the source's poll thread inside librdkafka's rebalance
/// callbacks, so they may use the restricted consumer synchronously; keep them short.
/// </summary>
public interface IPartitionEventHandler
{
    /// <summary>Partitions were assigned to this consumer.</summary>
    /// <param name="assigned">The newly assigned partitions.</param>
    /// <param name="consumer">Operations allowed on the consumer during the callback.</param>
    void OnAssign(IImmutableSet<TopicPartition> assigned, IRestrictedConsumer consumer);

    /// <summary>Partitions were revoked in an orderly rebalance; offsets may still be committed.</summary>
    /// <param name="revoked">The revoked partitions with their current positions.</param>
    /// <param name="consumer">Operations allowed on the consumer during the callback.</param>
    void OnRevoke(IImmutableSet<TopicPartitionOffset> revoked, IRestrictedConsumer consumer);

    /// <summary>
    /// Partitions were lost (session timeout, fenced); they may already belong to another consumer. Does nothing unless
    /// implemented (Akka.Streams.Kafka's interface has no such callback; its handlers compile unchanged).
    /// </summary>
    /// <param name="lost">The lost partitions.</param>
    /// <param name="consumer">Operations allowed on the consumer during the callback.</param>
    void OnLost(IImmutableSet<TopicPartitionOffset> lost, IRestrictedConsumer consumer) { }

    /// <summary>The consumer is about to close.</summary>
    /// <param name="assigned">The partitions still assigned.</param>
    /// <param name="consumer">Operations allowed on the consumer during the callback.</param>
    void OnStop(IImmutableSet<TopicPartition> assigned, IRestrictedConsumer consumer);
}

/// <summary>The consumer operations a partition handler may call; synchronous, on the poll thread.</summary>
public interface IRestrictedConsumer
{
    /// <summary>The current assignment.</summary>
    IReadOnlyList<TopicPartition> Assignment { get; }

    /// <summary>The offset of the next record to be read from a partition.</summary>
    /// <param name="partition">An assigned partition.</param>
    Offset Position(TopicPartition partition);

    /// <summary>Moves a partition's position.</summary>
    /// <param name="offset">Partition and the offset to read next.</param>
    void Seek(TopicPartitionOffset offset);

    /// <summary>Committed offsets of partitions.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="timeout">Longest wait for the broker.</param>
    IReadOnlyList<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout);

    /// <summary>Low and high watermark offsets of a partition, asked from the broker.</summary>
    /// <param name="partition">The partition.</param>
    /// <param name="timeout">Longest wait for the broker.</param>
    WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout);

    /// <summary>The first offsets at or after timestamps.</summary>
    /// <param name="timestamps">Partitions and timestamps.</param>
    /// <param name="timeout">Longest wait for the broker.</param>
    IReadOnlyList<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestamps, TimeSpan timeout);

    /// <summary>Commits offsets synchronously (the next offsets to read).</summary>
    /// <param name="offsets">Partitions and offsets.</param>
    void Commit(IEnumerable<TopicPartitionOffset> offsets);

    /// <summary>Akka.Streams.Kafka's name for <see cref="Commit"/>.</summary>
    /// <param name="offsets">Partitions and offsets.</param>
    void CommitSync(IEnumerable<TopicPartitionOffset> offsets) => Commit(offsets);
}
