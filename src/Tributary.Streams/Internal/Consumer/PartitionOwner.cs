using Akka.Streams.Supervision;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// A source stage's side of the poll loop: it supplies a buffer for each partition it is given and is told when
/// partitions go away. All members except <see cref="Failed"/> and <see cref="Closed"/> run on the poll thread,
/// inside librdkafka's rebalance callbacks where applicable.
/// </summary>
internal abstract class PartitionOwner<TKey, TValue>(Decider decider)
{
    /// <summary>
    /// The stage's supervision decision about a failure of the consumer or of one of its records; called on the poll
    /// thread, once per failure.
    /// </summary>
    public Directive Decide(Exception error) => decider(error);

    /// <summary>A partition was assigned; returns the buffer its records go to.</summary>
    public abstract PartitionBuffer<TKey, TValue> Assigned(TopicPartition partition);

    /// <summary>Offsets to start newly assigned partitions from; partitions left out start from their committed offset.</summary>
    public virtual IReadOnlyDictionary<TopicPartition, long>? StartOffsets(IReadOnlyCollection<TopicPartition> partitions) => null;

    /// <summary>A partition was revoked or lost; its buffered records must be gone when this returns.</summary>
    public abstract void Released(TopicPartition partition, PartitionBuffer<TKey, TValue> buffer);

    /// <summary>Called once after all partitions of one revocation have been released.</summary>
    public virtual void ReleaseCompleted(IReadOnlySet<TopicPartition> partitions) { }

    /// <summary>The consumer failed; the stage should fail with <paramref name="error"/>.</summary>
    public abstract void Failed(Exception error);

    /// <summary>The consumer was closed.</summary>
    public abstract void Closed();
}
