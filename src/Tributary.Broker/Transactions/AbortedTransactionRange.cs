namespace Tributary.Broker.Transactions;

/// <summary>An aborted transaction in one partition: its producer and the offsets from its first record to its abort marker.</summary>
/// <param name="ProducerId">The transactional producer.</param>
/// <param name="FirstOffset">The offset of the transaction's first record in the partition.</param>
/// <param name="LastOffset">The offset of the abort marker.</param>
internal readonly record struct AbortedTransactionRange(long ProducerId, long FirstOffset, long LastOffset);
