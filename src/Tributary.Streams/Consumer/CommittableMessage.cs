using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>A consumed record with the offset to commit once it has been processed.</summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
/// <param name="Record">The consumed record.</param>
/// <param name="CommittableOffset">The record's committable offset.</param>
public sealed record CommittableMessage<TKey, TValue>(ConsumeResult<TKey, TValue> Record, ICommittableOffset CommittableOffset);
