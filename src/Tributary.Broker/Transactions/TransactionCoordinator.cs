using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Transactions;

/// <summary>
/// The cluster's transaction coordinator: producer ids and epochs per transactional id, the partitions and
/// groups of each running transaction, commit and abort (markers written before EndTxn answers), fencing of
/// older producer instances, and the abort of transactions that outlive their timeout. Every state change is written
/// to the id's partition of <c>__transaction_state</c> (<see cref="TransactionLog"/>): the broker leading that
/// partition serves the id, and a broker that becomes its leader rebuilds the partition's ids from its replica of the
/// log (<see cref="Load"/>), completing transactions that were being committed or aborted. All state sits behind one lock.
/// </summary>
/// <remarks>
/// This is Kafka's classic protocol (transaction version 1): the epoch changes only on InitProducerId, a fence
/// or a timeout, never per transaction, so the broker must not advertise the transaction.version feature.
/// </remarks>
internal sealed class TransactionCoordinator : IDisposable
{
    /// <summary>The coordinator epoch in markers (Kafka's is the leader epoch of the transaction state partition; clients do not read it).</summary>
    public const int CoordinatorEpoch = 0;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, TransactionMetadata> _transactions = new(StringComparer.Ordinal);
    private readonly TransactionCoordinatorOptions _options;
    private readonly ClusterController _cluster;
    private readonly GroupCoordinator _groups;
    private readonly TransactionMarkerWriter _markers;
    private readonly TransactionLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timeoutTimer;
    private bool _disposed;

    /// <summary>Creates a coordinator without transactional ids; its timeout check runs every <see cref="TransactionCoordinatorOptions.AbortCheckInterval"/>.</summary>
    public TransactionCoordinator(TransactionCoordinatorOptions options, ClusterController cluster, GroupCoordinator groups, TimeProvider time, ILogger logger)
    {
        _options = options;
        _cluster = cluster;
        _groups = groups;
        _markers = new TransactionMarkerWriter(cluster, groups);
        _log = new TransactionLog(cluster.Coordinators, time);
        _time = time;
        _logger = logger;
        _timeoutTimer = time.CreateTimer(_ => AbortTimedOutTransactions(), null, options.AbortCheckInterval, options.AbortCheckInterval);
    }

    /// <summary>
    /// InitProducerId for a transactional id: the first call binds a producer id; every later one bumps the
    /// epoch, which fences the older instance and aborts its open transaction. A producer recovering with its
    /// own id and epoch (KIP-360) gets the next epoch unless another instance took over.
    /// </summary>
    /// <param name="transactionalId">The transactional id (not empty).</param>
    /// <param name="timeoutMs">The producer's transaction.timeout.ms.</param>
    /// <param name="expectedProducerId">The producer's current id, or -1 for a new instance.</param>
    /// <param name="expectedEpoch">The producer's current epoch, or -1 for a new instance.</param>
    public ProducerIdAndEpoch InitProducerId(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch)
    {
        if (transactionalId.Length == 0) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidRequest);
        if (timeoutMs <= 0 || timeoutMs > _options.MaxTimeout.TotalMilliseconds) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidTransactionTimeout);
        var recovering = expectedProducerId >= 0 || expectedEpoch >= 0;
        if (recovering && (expectedProducerId < 0 || expectedEpoch < 0)) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidRequest);

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_transactions.TryGetValue(transactionalId, out var transaction))
            {
                transaction = new TransactionMetadata(transactionalId, _cluster.NextProducerId(), timeoutMs, now);
                _transactions.Add(transactionalId, transaction);
            }
            if (recovering && !MayRecover(transaction, expectedProducerId, expectedEpoch)) return ProducerIdAndEpoch.Failure(ErrorCode.ProducerFenced);
            if (transaction.State == TransactionState.Ongoing)
            {
                // Kafka aborts first and answers CONCURRENT_TRANSACTIONS, and the retry bumps again; both steps happen here at once.
                Fence(transaction, now, "a new producer instance started");
            }

            if (transaction.IsEpochExhausted && (!recovering || expectedEpoch == transaction.ProducerEpoch))
                transaction.RotateProducerId(_cluster.NextProducerId(), timeoutMs);
            else if (!recovering)
                transaction.BumpEpoch(TransactionMetadata.NoEpoch, timeoutMs);
            else if (transaction.ProducerEpoch == TransactionMetadata.NoEpoch || expectedEpoch == transaction.ProducerEpoch)
                transaction.BumpEpoch(transaction.ProducerEpoch, timeoutMs);
            else if (expectedEpoch != transaction.LastProducerEpoch)
                return ProducerIdAndEpoch.Failure(ErrorCode.ProducerFenced);
            // (Otherwise a retry of a bump whose answer was lost: the same epoch again.)

            transaction.TransitionTo(TransactionState.Empty, now);
            _log.Write(transaction);
            _logger.LogInformation("Transactional id {TransactionalId} initialized: producer id {ProducerId}, epoch {Epoch}",
                transactionalId, transaction.ProducerId, transaction.ProducerEpoch);
            return new ProducerIdAndEpoch(ErrorCode.None, transaction.ProducerId, transaction.ProducerEpoch);
        }
    }

    /// <summary>
    /// KIP-360: a producer naming its id may go on when the id is the current one (its epoch is checked next),
    /// when the id was just created, or when it retries a rotation to a new id that it never heard of.
    /// </summary>
    private static bool MayRecover(TransactionMetadata transaction, long expectedProducerId, short expectedEpoch) =>
        transaction.ProducerEpoch == TransactionMetadata.NoEpoch
        || expectedProducerId == transaction.ProducerId
        || (expectedProducerId == transaction.PreviousProducerId && expectedEpoch >= short.MaxValue - 1);

    /// <summary>AddPartitionsToTxn: starts the transaction if none runs, and lets the producer write to the partitions.</summary>
    public ErrorCode AddPartitions(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        lock (_lock)
        {
            var error = CheckAddition(transactionalId, producerId, producerEpoch, out var transaction);
            if (error != ErrorCode.None) return error;
            StartIfIdle(transaction!);
            transaction!.AddPartitions(partitions);
            _markers.Admit(transaction, partitions);
            _log.Write(transaction);
            return ErrorCode.None;
        }
    }

    /// <summary>AddOffsetsToTxn: starts the transaction if none runs, and adds the group whose offsets it will commit.</summary>
    public ErrorCode AddOffsets(string transactionalId, long producerId, short producerEpoch, string groupId)
    {
        lock (_lock)
        {
            var error = CheckAddition(transactionalId, producerId, producerEpoch, out var transaction);
            if (error != ErrorCode.None) return error;
            // As in Kafka, the group's __consumer_offsets partition joins the transaction: its TxnOffsetCommit records
            // are the producer's transactional records there, and the transaction's marker ends them.
            if (OffsetsPartitionOf(groupId) is not { } partition) return ErrorCode.CoordinatorNotAvailable;
            StartIfIdle(transaction!);
            transaction!.AddPartitions([partition]);
            _markers.Admit(transaction, [partition]);
            _log.Write(transaction);
            return ErrorCode.None;
        }
    }

    private TopicPartition? OffsetsPartitionOf(string groupId) =>
        _cluster.Coordinators.PartitionOf(CoordinatorType.Group, groupId) is { } offsets ? new TopicPartition(CoordinatorPlacement.OffsetsTopic, offsets.Index) : null;

    private ErrorCode CheckAddition(string transactionalId, long producerId, short producerEpoch, out TransactionMetadata? transaction)
    {
        var error = CheckProducer(transactionalId, producerId, producerEpoch, out transaction);
        if (error != ErrorCode.None) return error;
        return transaction!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort ? ErrorCode.ConcurrentTransactions : ErrorCode.None;
    }

    private void StartIfIdle(TransactionMetadata transaction)
    {
        if (transaction.State != TransactionState.Ongoing) transaction.TransitionTo(TransactionState.Ongoing, _time.GetUtcNow());
    }

    /// <summary>
    /// TxnOffsetCommit: stages offsets in the group for the producer's running transaction, which must have added
    /// the group (AddOffsetsToTxn); one error per offset. A stale epoch is INVALID_PRODUCER_EPOCH, as Kafka's
    /// offsets log answers it.
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(string transactionalId, long producerId, short producerEpoch, OffsetCommitCommand commit)
    {
        lock (_lock)
        {
            var error = CheckProducer(transactionalId, producerId, producerEpoch, out var transaction);
            if (error == ErrorCode.ProducerFenced) error = ErrorCode.InvalidProducerEpoch;
            else if (error == ErrorCode.None && transaction!.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort) error = ErrorCode.ConcurrentTransactions;
            else if (error == ErrorCode.None && (transaction!.State != TransactionState.Ongoing
                || OffsetsPartitionOf(commit.GroupId) is not { } partition || !transaction.Partitions.Contains(partition))) error = ErrorCode.InvalidTxnState;
            if (error != ErrorCode.None) return commit.Offsets.Select(_ => error).ToList();
            // Staged under this lock, so an EndTxn cannot slip in between and leave the offsets pending forever.
            return _groups.CommitTransactionalOffsets(commit, producerId, producerEpoch);
        }
    }

    /// <summary>
    /// EndTxn: commits or aborts the running transaction, markers and offsets included, before answering.
    /// A retry of the same outcome succeeds; the other outcome, or ending when nothing runs, is INVALID_TXN_STATE.
    /// </summary>
    public ErrorCode EndTransaction(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        lock (_lock)
        {
            var error = CheckProducer(transactionalId, producerId, producerEpoch, out var transaction);
            if (error != ErrorCode.None) return error;
            switch (transaction!.State)
            {
                case TransactionState.Ongoing:
                    Complete(transaction, commit, _time.GetUtcNow());
                    return ErrorCode.None;
                case TransactionState.CompleteCommit:
                    return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
                case TransactionState.CompleteAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
                case TransactionState.PrepareCommit:
                    return commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState;
                case TransactionState.PrepareAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions;
                default:
                    return ErrorCode.InvalidTxnState;
            }
        }
    }

    /// <summary>The checks every transactional request makes: known id, same producer id, current epoch.</summary>
    private ErrorCode CheckProducer(string transactionalId, long producerId, short producerEpoch, out TransactionMetadata? transaction)
    {
        transaction = null;
        if (transactionalId.Length == 0) return ErrorCode.InvalidRequest;
        if (!_transactions.TryGetValue(transactionalId, out transaction) || transaction.ProducerId != producerId) return ErrorCode.InvalidProducerIdMapping;
        return transaction.ProducerEpoch == producerEpoch ? ErrorCode.None : ErrorCode.ProducerFenced;
    }

    /// <summary>Bumps the epoch so the current instance can no longer write, then aborts its transaction at the new epoch.</summary>
    private void Fence(TransactionMetadata transaction, DateTimeOffset now, string reason)
    {
        transaction.TransitionTo(TransactionState.PrepareEpochFence, now);
        transaction.FenceEpoch();
        _logger.LogInformation("Transactional id {TransactionalId}: epoch bumped to {Epoch} and transaction aborted because {Reason}",
            transaction.TransactionalId, transaction.ProducerEpoch, reason);
        Complete(transaction, commit: false, now);
    }

    private void Complete(TransactionMetadata transaction, bool commit, DateTimeOffset now)
    {
        transaction.TransitionTo(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, now);
        _log.Write(transaction);
        WriteMarkers(transaction, commit, now);
    }

    /// <summary>Writes the markers of a prepared transaction, then records it complete (as Kafka, once every marker is written).</summary>
    private void WriteMarkers(TransactionMetadata transaction, bool commit, DateTimeOffset now)
    {
        _markers.Write(transaction, commit, CoordinatorEpoch, now.ToUnixTimeMilliseconds());
        transaction.TransitionTo(commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort, now);
        _log.Write(transaction);
    }

    /// <summary>
    /// Loads partition <paramref name="partition"/> of <c>__transaction_state</c> for its new leadership: the
    /// transactional ids held for it are dropped and rebuilt from the leader's replica of the log. A transaction that
    /// was being committed or aborted gets its markers now; a running one goes on (and times out as before).
    /// </summary>
    /// <param name="partition">The partition.</param>
    /// <param name="leadership">The leadership it is loaded for.</param>
    /// <param name="partitions">How many partitions <c>__transaction_state</c> has (which ids the partition holds).</param>
    public void Load(PartitionState partition, PartitionLeadership leadership, int partitions)
    {
        var states = TransactionLog.Replay(InternalTopicLog.Replay(partition.ReplicaLog(leadership.Leader)));
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var id in _transactions.Keys.Where(id => CoordinatorPlacement.PartitionFor(id, partitions) == partition.Index).ToList())
                _transactions.Remove(id);
            var now = _time.GetUtcNow();
            foreach (var (id, value) in states)
            {
                var transaction = TransactionMetadata.Restore(id, value);
                _transactions[id] = transaction;
                switch (transaction.State)
                {
                    case TransactionState.PrepareCommit:
                        WriteMarkers(transaction, commit: true, now);
                        break;
                    case TransactionState.PrepareAbort:
                        WriteMarkers(transaction, commit: false, now);
                        break;
                }
            }
            _logger.LogInformation("Loaded partition {Partition} of __transaction_state on broker {Broker} (leader epoch {Epoch}): {Count} transactional ids",
                partition.Index, leadership.Leader, leadership.LeaderEpoch, states.Count);
        }
    }

    /// <summary>
    /// Aborts (with a fencing epoch bump, as Kafka does) every transaction running longer than its timeout, and
    /// forgets transactional ids idle for longer than the expiration. Runs on the coordinator's timer.
    /// </summary>
    public void AbortTimedOutTransactions()
    {
        lock (_lock)
        {
            // The timer may fire once more while the cluster shuts down.
            if (_disposed) return;
            var now = _time.GetUtcNow();
            foreach (var transaction in _transactions.Values.ToList())
            {
                if (transaction.State == TransactionState.Ongoing && transaction.StartTime + TimeSpan.FromMilliseconds(transaction.TimeoutMs) < now)
                {
                    Fence(transaction, now, $"it ran longer than its {transaction.TimeoutMs} ms timeout");
                }
                else if (TransactionStates.IsIdle(transaction.State) && transaction.LastUpdate + _options.TransactionalIdExpiration < now)
                {
                    transaction.TransitionTo(TransactionState.Dead, now);
                    _transactions.Remove(transaction.TransactionalId);
                    _log.Write(transaction, tombstone: true);
                }
            }
        }
    }

    /// <summary>DescribeTransactions for one id, or null when it is unknown.</summary>
    public TransactionDescription? Describe(string transactionalId)
    {
        lock (_lock)
        {
            if (!_transactions.TryGetValue(transactionalId, out var t)) return null;
            return new TransactionDescription(t.TransactionalId, t.State, t.TimeoutMs, t.StartTime?.ToUnixTimeMilliseconds() ?? -1,
                t.ProducerId, t.ProducerEpoch, t.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList());
        }
    }

    /// <summary>
    /// ListTransactions: every transactional id, filtered by state and producer id (empty filters match all) and by
    /// running time (a negative <paramref name="minimumDuration"/> matches all).
    /// </summary>
    public IReadOnlyList<TransactionListing> List(IReadOnlyCollection<TransactionState> states, IReadOnlyCollection<long> producerIds, TimeSpan minimumDuration)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return _transactions.Values
                .Where(t => states.Count == 0 || states.Contains(t.State))
                .Where(t => producerIds.Count == 0 || producerIds.Contains(t.ProducerId))
                .Where(t => minimumDuration < TimeSpan.Zero || (t.StartTime is { } start && now - start > minimumDuration))
                .OrderBy(t => t.TransactionalId, StringComparer.Ordinal)
                .Select(t => new TransactionListing(t.TransactionalId, t.ProducerId, t.State))
                .ToList();
        }
    }

    /// <summary>Stops the timeout check.</summary>
    public void Dispose()
    {
        lock (_lock) _disposed = true;
        _timeoutTimer.Dispose();
    }
}
