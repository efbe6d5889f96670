namespace Tributary.Broker.Transactions;

/// <summary>
/// The states of a transactional id at its coordinator, named as Kafka's DescribeTransactions and
/// ListTransactions report them.
/// </summary>
internal enum TransactionState
{
    /// <summary>Initialized (InitProducerId), no transaction running.</summary>
    Empty,

    /// <summary>Partitions or a group were added: a transaction is running.</summary>
    Ongoing,

    /// <summary>EndTxn(commit) accepted; commit markers are being written.</summary>
    PrepareCommit,

    /// <summary>EndTxn(abort), a fence or a timeout accepted; abort markers are being written.</summary>
    PrepareAbort,

    /// <summary>Every commit marker written.</summary>
    CompleteCommit,

    /// <summary>Every abort marker written.</summary>
    CompleteAbort,

    /// <summary>The transactional id expired and is being forgotten.</summary>
    Dead,

    /// <summary>A newer instance or the timeout fenced the producer: its epoch was bumped before the abort.</summary>
    PrepareEpochFence,
}

/// <summary>Which state may follow which (Kafka's valid previous states, turned around).</summary>
internal static class TransactionStates
{
    /// <summary>Whether <paramref name="to"/> may follow <paramref name="from"/>.</summary>
    public static bool CanTransition(TransactionState from, TransactionState to) => to switch
    {
        TransactionState.Empty => from is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.Ongoing => from is TransactionState.Ongoing or TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareCommit => from is TransactionState.Ongoing,
        TransactionState.PrepareAbort => from is TransactionState.Ongoing or TransactionState.PrepareEpochFence,
        TransactionState.CompleteCommit => from is TransactionState.PrepareCommit,
        TransactionState.CompleteAbort => from is TransactionState.PrepareAbort,
        TransactionState.Dead => from is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareEpochFence => from is TransactionState.Ongoing,
        _ => false,
    };

    /// <summary>States in which no transaction is running, so the transactional id may expire.</summary>
    public static bool IsIdle(TransactionState state) =>
        state is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort;
}
