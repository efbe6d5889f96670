using Tributary.Broker.Transactions;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>The handlers of producer ids and transactions, for the broker's handler registry.</summary>
internal static class TransactionHandlers
{
    /// <summary>
    /// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit, DescribeTransactions,
    /// ListTransactions and DescribeProducers, all served by <paramref name="coordinator"/>. WriteTxnMarkers is
    /// not served: the coordinator writes markers itself.
    /// </summary>
    public static IEnumerable<IApiHandler> Create(TransactionCoordinator coordinator) =>
    [
        new InitProducerIdHandler(coordinator),
        new AddPartitionsToTxnHandler(coordinator),
        new AddOffsetsToTxnHandler(coordinator),
        new EndTxnHandler(coordinator),
        new TxnOffsetCommitHandler(coordinator),
        new DescribeTransactionsHandler(coordinator),
        new ListTransactionsHandler(coordinator),
        new DescribeProducersHandler(),
    ];
}
