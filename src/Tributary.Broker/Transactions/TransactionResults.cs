using Tributary.Protocol;

namespace Tributary.Broker.Transactions;

/// <summary>The answer to InitProducerId.</summary>
/// <param name="Error">None, or why no producer id was given.</param>
/// <param name="ProducerId">The producer id, or -1.</param>
/// <param name="ProducerEpoch">The epoch, or -1.</param>
internal readonly record struct ProducerIdAndEpoch(ErrorCode Error, long ProducerId, short ProducerEpoch)
{
    /// <summary>A refusal.</summary>
    public static ProducerIdAndEpoch Failure(ErrorCode error) => new(error, -1, -1);
}

/// <summary>A transactional id as DescribeTransactions shows it.</summary>
/// <param name="TransactionalId">The transactional id.</param>
/// <param name="State">The state.</param>
/// <param name="TimeoutMs">The producer's transaction timeout.</param>
/// <param name="StartTimeMs">When the running transaction started, or -1.</param>
/// <param name="ProducerId">The producer id.</param>
/// <param name="ProducerEpoch">The producer epoch.</param>
/// <param name="Partitions">The partitions of the running transaction.</param>
internal sealed record TransactionDescription(string TransactionalId, TransactionState State, int TimeoutMs, long StartTimeMs,
    long ProducerId, short ProducerEpoch, IReadOnlyList<TopicPartition> Partitions);

/// <summary>A transactional id as ListTransactions shows it.</summary>
/// <param name="TransactionalId">The transactional id.</param>
/// <param name="ProducerId">The producer id.</param>
/// <param name="State">The state.</param>
internal sealed record TransactionListing(string TransactionalId, long ProducerId, TransactionState State);
