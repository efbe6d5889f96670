using Confluent.Kafka;

namespace Tributary.Streams.Messages;

/// <summary>A consumed record with the offset to commit once it has been processed.</summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
/// <param name="Record">The consumed record.</param>
/// <param name="CommittableOffset">The record's committable offset.</param>
public sealed record CommittableMessage<TKey, TValue>(ConsumeResult<TKey, TValue> Record, ICommittableOffset CommittableOffset)
{
    /// <summary>Akka.Streams.Kafka's spelling of <see cref="CommittableOffset"/>.</summary>
    public ICommittableOffset CommitableOffset => CommittableOffset;
}

/// <summary>
/// A record read by a transactional source, with its offset: pass <see cref="PartitionOffset"/> as the pass-through of
/// the envelope that carries the record's output (<c>ProducerMessage.Single(record, message.PartitionOffset)</c>), and
/// a transactional flow or sink commits it inside the transaction that writes that output.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
/// <param name="Record">The consumed record.</param>
/// <param name="PartitionOffset">The record's group, partition and offset, bound to its source.</param>
public sealed record TransactionalMessage<TKey, TValue>(ConsumeResult<TKey, TValue> Record, GroupTopicPartitionOffset PartitionOffset);
