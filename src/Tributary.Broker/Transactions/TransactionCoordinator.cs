using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Transactions;

/// <summary>
/// The cluster's transaction coordinator: producer ids and epochs per transactional id, the partitions and
/// groups of each running transaction, commit and abort (markers written before EndTxn answers), fencing of
/// older producer instances, and the abort of transactions that outlive their timeout. Every state change is written
/// to the id's partition of <c>__transaction_state</c> (<see cref="TransactionLog"/>) and, as in Kafka's
/// TransactionStateManager, takes effect and is answered only once the in-sync replicas have it (the high watermark
/// passed it): meanwhile the id is pending (other requests for it get CONCURRENT_TRANSACTIONS), and a failed write
/// leaves the id as it was and answers Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE for too few in-sync
/// replicas or a timeout, NOT_COORDINATOR for a lost leadership). The broker leading the partition serves the id, and a
/// broker that becomes its leader rebuilds the partition's ids from its replica of the log (<see cref="Load"/>),
/// completing transactions that were being committed or aborted. All state sits behind one lock; no thread waits for
/// replication.
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
    private readonly DateTimeOffset _started;
    private bool _timeoutCheckArmed;
    private bool _disposed;

    /// <summary>
    /// Creates a coordinator without transactional ids. Its timeout check runs every
    /// <see cref="TransactionCoordinatorOptions.AbortCheckInterval"/> from its creation, while it knows a transactional
    /// id: with none there is nothing to abort or expire, and the timer stays disarmed (an idle broker does not wake).
    /// </summary>
    public TransactionCoordinator(TransactionCoordinatorOptions options, ClusterController cluster, GroupCoordinator groups, TimeProvider time, ILogger logger)
    {
        _options = options;
        _cluster = cluster;
        _groups = groups;
        _markers = new TransactionMarkerWriter(cluster, groups);
        _log = new TransactionLog(cluster.Coordinators, time);
        _time = time;
        _logger = logger;
        _started = time.GetUtcNow();
        _timeoutTimer = time.CreateTimer(_ => AbortTimedOutTransactions(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the timeout check's timer is armed (only while the coordinator knows a transactional id).</summary>
    public bool IsTimeoutCheckArmed
    {
        get
        {
            lock (_lock) return _timeoutCheckArmed;
        }
    }

    /// <summary>
    /// Arms the timeout check once the coordinator knows a transactional id, on the ticks it would have had armed since
    /// its creation (so a check still comes every interval); call under the lock after adding one.
    /// </summary>
    private void ArmTimeoutCheck()
    {
        if (_timeoutCheckArmed || _disposed) return;
        _timeoutCheckArmed = true;
        var interval = _options.AbortCheckInterval;
        var sinceTick = TimeSpan.FromTicks(Math.Max(0, (_time.GetUtcNow() - _started).Ticks) % interval.Ticks);
        _timeoutTimer.Change(interval - sinceTick, interval);
    }

    /// <summary>
    /// InitProducerId for a transactional id: the first call binds a producer id; every later one bumps the
    /// epoch, which fences the older instance and aborts its open transaction. A producer recovering with its
    /// own id and epoch (KIP-360) gets the next epoch unless another instance took over. Answers once the new epoch
    /// is committed to <c>__transaction_state</c>.
    /// </summary>
    /// <param name="transactionalId">The transactional id (not empty).</param>
    /// <param name="timeoutMs">The producer's transaction.timeout.ms.</param>
    /// <param name="expectedProducerId">The producer's current id, or -1 for a new instance.</param>
    /// <param name="expectedEpoch">The producer's current epoch, or -1 for a new instance.</param>
    public async Task<ProducerIdAndEpoch> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch)
    {
        if (transactionalId.Length == 0) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidRequest);
        if (timeoutMs <= 0 || timeoutMs > _options.MaxTimeout.TotalMilliseconds) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidTransactionTimeout);
        var recovering = expectedProducerId >= 0 || expectedEpoch >= 0;
        if (recovering && (expectedProducerId < 0 || expectedEpoch < 0)) return ProducerIdAndEpoch.Failure(ErrorCode.InvalidRequest);

        while (true)
        {
            PendingWrite write;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                if (!_transactions.TryGetValue(transactionalId, out var transaction))
                {
                    // As Kafka, the new id is cached at once without an epoch; its first epoch counts once committed.
                    transaction = new TransactionMetadata(transactionalId, _cluster.NextProducerId(), timeoutMs, now);
                    _transactions.Add(transactionalId, transaction);
                    ArmTimeoutCheck();
                }
                if (transaction.HasPendingWrite) return ProducerIdAndEpoch.Failure(ErrorCode.ConcurrentTransactions);
                if (recovering && !MayRecover(transaction, expectedProducerId, expectedEpoch)) return ProducerIdAndEpoch.Failure(ErrorCode.ProducerFenced);
                if (transaction.State == TransactionState.Ongoing)
                {
                    // Kafka aborts first and answers CONCURRENT_TRANSACTIONS, and the retry bumps again; both steps happen here in turn.
                    var fenced = BeginEnd(transaction, commit: false, fence: true, now, out write);
                    if (fenced != ErrorCode.None) return ProducerIdAndEpoch.Failure(fenced);
                    _logger.LogInformation("Transactional id {TransactionalId}: epoch bumped to {Epoch} and transaction aborted because a new producer instance started",
                        transactionalId, write.Next.ProducerEpoch);
                }
                else
                {
                    var next = transaction.Prepare();
                    if (next.IsEpochExhausted && (!recovering || expectedEpoch == next.ProducerEpoch))
                        next.RotateProducerId(_cluster.NextProducerId(), timeoutMs);
                    else if (!recovering)
                        next.BumpEpoch(TransactionMetadata.NoEpoch, timeoutMs);
                    else if (next.ProducerEpoch == TransactionMetadata.NoEpoch || expectedEpoch == next.ProducerEpoch)
                        next.BumpEpoch(next.ProducerEpoch, timeoutMs);
                    else if (expectedEpoch != next.LastProducerEpoch)
                        return ProducerIdAndEpoch.Failure(ErrorCode.ProducerFenced);
                    // (Otherwise a retry of a bump whose answer was lost: the same epoch again.)
                    next.TransitionTo(TransactionState.Empty, now);
                    var error = Begin(transaction, next, out write);
                    if (error != ErrorCode.None) return ProducerIdAndEpoch.Failure(error);
                }
            }
            if (write.Next.State == TransactionState.PrepareAbort)
            {
                var aborted = await CompleteEndAsync(write, commit: false).ConfigureAwait(false);
                if (aborted != ErrorCode.None) return ProducerIdAndEpoch.Failure(aborted);
                continue;
            }
            var committed = await CompleteAsync(write).ConfigureAwait(false);
            if (committed != ErrorCode.None) return ProducerIdAndEpoch.Failure(committed);
            _logger.LogInformation("Transactional id {TransactionalId} initialized: producer id {ProducerId}, epoch {Epoch}",
                transactionalId, write.Next.ProducerId, write.Next.ProducerEpoch);
            return new ProducerIdAndEpoch(ErrorCode.None, write.Next.ProducerId, write.Next.ProducerEpoch);
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

    /// <summary>
    /// AddPartitionsToTxn: starts the transaction if none runs, and lets the producer write to the partitions once
    /// they are committed to the transaction's record (partitions it already has answer at once, as in Kafka).
    /// </summary>
    public Task<ErrorCode> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        lock (_lock)
        {
            var error = CheckAddition(transactionalId, producerId, producerEpoch, out var transaction);
            return error != ErrorCode.None ? Task.FromResult(error) : AddAsync(transaction!, partitions);
        }
    }

    /// <summary>AddOffsetsToTxn: starts the transaction if none runs, and adds the group whose offsets it will commit.</summary>
    public Task<ErrorCode> AddOffsetsAsync(string transactionalId, long producerId, short producerEpoch, string groupId)
    {
        lock (_lock)
        {
            var error = CheckAddition(transactionalId, producerId, producerEpoch, out var transaction);
            if (error != ErrorCode.None) return Task.FromResult(error);
            // As in Kafka, the group's __consumer_offsets partition joins the transaction: its TxnOffsetCommit records
            // are the producer's transactional records there, and the transaction's marker ends them.
            if (OffsetsPartitionOf(groupId) is not { } partition) return Task.FromResult(ErrorCode.CoordinatorNotAvailable);
            return AddAsync(transaction!, [partition]);
        }
    }

    /// <summary>Adds <paramref name="partitions"/> to the transaction of <paramref name="transaction"/>; call under the lock.</summary>
    private Task<ErrorCode> AddAsync(TransactionMetadata transaction, IReadOnlyCollection<TopicPartition> partitions)
    {
        if (transaction.State == TransactionState.Ongoing && partitions.All(transaction.Partitions.Contains)) return Task.FromResult(ErrorCode.None);
        var next = transaction.Prepare();
        if (next.State != TransactionState.Ongoing) next.TransitionTo(TransactionState.Ongoing, _time.GetUtcNow());
        next.AddPartitions(partitions);
        var error = Begin(transaction, next, out var write);
        return error != ErrorCode.None ? Task.FromResult(error) : CompleteAsync(write, added => _markers.Admit(added, partitions));
    }

    private TopicPartition? OffsetsPartitionOf(string groupId) =>
        _cluster.Coordinators.PartitionOf(CoordinatorType.Group, groupId) is { } offsets ? new TopicPartition(CoordinatorPlacement.OffsetsTopic, offsets.Index) : null;

    private ErrorCode CheckAddition(string transactionalId, long producerId, short producerEpoch, out TransactionMetadata? transaction)
    {
        var error = CheckProducer(transactionalId, producerId, producerEpoch, out transaction);
        if (error != ErrorCode.None) return error;
        return transaction!.HasPendingWrite || transaction.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort
            ? ErrorCode.ConcurrentTransactions
            : ErrorCode.None;
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
    /// EndTxn: commits or aborts the running transaction. Answers once PrepareCommit or PrepareAbort is committed to
    /// <c>__transaction_state</c>, and after the markers (offsets included) are written, so the producer's next
    /// transaction finds this one complete. A retry of the same outcome succeeds; the other outcome, or ending when
    /// nothing runs, is INVALID_TXN_STATE; while a state change is being written, CONCURRENT_TRANSACTIONS.
    /// </summary>
    public Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        lock (_lock)
        {
            var error = CheckProducer(transactionalId, producerId, producerEpoch, out var transaction);
            if (error != ErrorCode.None) return Task.FromResult(error);
            if (transaction!.HasPendingWrite) return Task.FromResult(ErrorCode.ConcurrentTransactions);
            switch (transaction.State)
            {
                case TransactionState.Ongoing:
                    error = BeginEnd(transaction, commit, fence: false, _time.GetUtcNow(), out var write);
                    return error != ErrorCode.None ? Task.FromResult(error) : CompleteEndAsync(write, commit);
                case TransactionState.CompleteCommit:
                    return Task.FromResult(commit ? ErrorCode.None : ErrorCode.InvalidTxnState);
                case TransactionState.CompleteAbort:
                    return Task.FromResult(commit ? ErrorCode.InvalidTxnState : ErrorCode.None);
                case TransactionState.PrepareCommit:
                    return Task.FromResult(commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState);
                case TransactionState.PrepareAbort:
                    return Task.FromResult(commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions);
                default:
                    return Task.FromResult(ErrorCode.InvalidTxnState);
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

    /// <summary>A transition being written: the cached metadata, the prepared one that replaces it once committed, and its append.</summary>
    private readonly record struct PendingWrite(TransactionMetadata Current, TransactionMetadata Next, InternalAppend Append);

    /// <summary>
    /// Appends <paramref name="next"/>, the prepared transition of <paramref name="current"/>, and marks
    /// <paramref name="current"/> pending until <see cref="CompleteAsync"/>; call under the lock. An append refused at
    /// once (lost leadership, too few in-sync replicas) leaves everything as it was.
    /// </summary>
    private ErrorCode Begin(TransactionMetadata current, TransactionMetadata next, out PendingWrite write)
    {
        var append = _log.Write(next);
        write = new PendingWrite(current, next, append);
        if (append.Error != ErrorCode.None) return append.Error;
        current.HasPendingWrite = true;
        return ErrorCode.None;
    }

    /// <summary>
    /// Waits until the in-sync replicas have the transition, then (as Kafka's appendTransactionToLog) puts the prepared
    /// metadata in place and runs <paramref name="committed"/> on it under the lock. On failure the cached metadata stays
    /// as it was, and NOT_COORDINATOR answers a write whose partition was reloaded meanwhile.
    /// </summary>
    private async Task<ErrorCode> CompleteAsync(PendingWrite write, Action<TransactionMetadata>? committed = null)
    {
        var error = await _log.WaitReplicatedAsync(write.Append, write.Next).ConfigureAwait(false);
        lock (_lock)
        {
            var (current, next, _) = write;
            current.HasPendingWrite = false;
            if (error == ErrorCode.None && (!_transactions.TryGetValue(current.TransactionalId, out var cached) || !ReferenceEquals(cached, current)))
                error = ErrorCode.NotCoordinator;
            if (error != ErrorCode.None)
            {
                _logger.LogInformation("Transactional id {TransactionalId}: the move to {State} was not committed to __transaction_state ({Error}); it stays {Current}",
                    current.TransactionalId, next.State, error, current.State);
                return error;
            }
            _transactions[current.TransactionalId] = next;
            committed?.Invoke(next);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Prepares the end of the running transaction of <paramref name="transaction"/> (with a fencing epoch bump first
    /// when <paramref name="fence"/>, as Kafka's PrepareEpochFence) and begins writing it; call under the lock.
    /// </summary>
    private ErrorCode BeginEnd(TransactionMetadata transaction, bool commit, bool fence, DateTimeOffset now, out PendingWrite write)
    {
        var next = transaction.Prepare();
        if (fence)
        {
            next.TransitionTo(TransactionState.PrepareEpochFence, now);
            next.FenceEpoch();
        }
        next.TransitionTo(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, now);
        return Begin(transaction, next, out write);
    }

    /// <summary>Completes an end begun by <see cref="BeginEnd"/>: once PrepareCommit or PrepareAbort is committed, the markers follow.</summary>
    private Task<ErrorCode> CompleteEndAsync(PendingWrite write, bool commit) =>
        CompleteAsync(write, prepared => WriteMarkers(prepared, commit, _time.GetUtcNow()));

    /// <summary>
    /// Writes the markers of a prepared transaction, then records it complete (as Kafka, once every marker is
    /// written). Nobody waits for that last record: a coordinator that loads the partition before the in-sync
    /// replicas have it finds the transaction prepared and writes its markers again.
    /// </summary>
    private void WriteMarkers(TransactionMetadata transaction, bool commit, DateTimeOffset now)
    {
        _markers.Write(transaction, commit, CoordinatorEpoch, now.ToUnixTimeMilliseconds());
        transaction.TransitionTo(commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort, now);
        WriteUnwaited(transaction);
    }

    /// <summary>Appends a record nobody waits for (a completion or a tombstone), logging a refusal.</summary>
    private void WriteUnwaited(TransactionMetadata transaction, bool tombstone = false)
    {
        var error = _log.Write(transaction, tombstone).Error;
        if (error != ErrorCode.None)
            _logger.LogWarning("Transactional id {TransactionalId}: its {State} record could not be written to __transaction_state ({Error})",
                transaction.TransactionalId, transaction.State, error);
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
                ArmTimeoutCheck();
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
    /// forgets transactional ids idle for longer than the expiration. Runs on the coordinator's timer; an id whose
    /// state change is being written waits for the next run.
    /// </summary>
    public void AbortTimedOutTransactions()
    {
        var aborts = new List<PendingWrite>();
        lock (_lock)
        {
            // The timer may fire once more while the cluster shuts down.
            if (_disposed) return;
            var now = _time.GetUtcNow();
            foreach (var transaction in _transactions.Values.Where(t => !t.HasPendingWrite).ToList())
            {
                if (transaction.State == TransactionState.Ongoing && transaction.StartTime + TimeSpan.FromMilliseconds(transaction.TimeoutMs) < now)
                {
                    if (BeginEnd(transaction, commit: false, fence: true, now, out var write) != ErrorCode.None) continue;
                    _logger.LogInformation("Transactional id {TransactionalId}: epoch bumped to {Epoch} and transaction aborted because it ran longer than its {Timeout} ms timeout",
                        transaction.TransactionalId, write.Next.ProducerEpoch, transaction.TimeoutMs);
                    aborts.Add(write);
                }
                else if (TransactionStates.IsIdle(transaction.State) && transaction.LastUpdate + _options.TransactionalIdExpiration < now)
                {
                    transaction.TransitionTo(TransactionState.Dead, now);
                    _transactions.Remove(transaction.TransactionalId);
                    WriteUnwaited(transaction, tombstone: true);
                }
            }
            if (_transactions.Count == 0)
            {
                // Nothing left to abort or expire: no more ticks until an id comes (InitProducerId, a loaded partition).
                _timeoutTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _timeoutCheckArmed = false;
            }
        }
        // Outside the lock: each completes when its record is committed (at once when the ISR already has it).
        foreach (var abort in aborts) _ = CompleteEndAsync(abort, commit: false);
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
