namespace Tributary.Broker.Transactions;

/// <summary>A producer that wrote to a partition, as DescribeProducers reports it.</summary>
/// <param name="ProducerId">The producer id.</param>
/// <param name="Epoch">Its current epoch in the partition.</param>
/// <param name="LastSequence">The last sequence it wrote, or -1.</param>
/// <param name="LastTimestamp">The timestamp of its last batch or marker, or -1.</param>
/// <param name="CoordinatorEpoch">The coordinator epoch of its last marker, or -1.</param>
/// <param name="CurrentTransactionStartOffset">The first offset of its open transaction, or -1.</param>
internal readonly record struct ActiveProducer(long ProducerId, short Epoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTransactionStartOffset);
