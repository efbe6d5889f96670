using Tributary.Broker.Log;
using Tributary.Broker.Replication;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Cluster;

/// <summary>Who leads a partition and which replicas are in sync: replaced as a whole on every change.</summary>
/// <param name="Leader">The leader's broker id, or -1 while no replica may lead (the partition is offline).</param>
/// <param name="LeaderEpoch">Bumped on every leader change.</param>
/// <param name="Replicas">
/// The assigned replicas, preferred leader first; during a reassignment the target replicas, then those being removed.
/// </param>
/// <param name="Isr">The in-sync replicas: the leader and the followers that have kept up with it.</param>
internal sealed record PartitionLeadership(int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
{
    /// <summary>Assigned replicas whose broker is not running.</summary>
    public IReadOnlyList<int> OfflineReplicas { get; init; } = [];

    /// <summary>Replicas a reassignment adds: they copy from the leader and count once they join the ISR.</summary>
    public IReadOnlyList<int> AddingReplicas { get; init; } = [];

    /// <summary>Replicas a reassignment removes once every target replica is in the ISR.</summary>
    public IReadOnlyList<int> RemovingReplicas { get; init; } = [];

    /// <summary>Whether a reassignment is in progress.</summary>
    public bool IsReassigning => AddingReplicas.Count > 0 || RemovingReplicas.Count > 0;

    /// <summary>The replicas the partition has once its reassignment completes (all of them when none is in progress).</summary>
    public IReadOnlyList<int> TargetReplicas => RemovingReplicas.Count == 0 ? Replicas : Replicas.Except(RemovingReplicas).ToList();
}

/// <summary>
/// One partition: a log per replica, the current leadership, and (on the leader's behalf) how far each follower
/// has copied, from which the high watermark follows: the smallest log end over the in-sync replicas.
/// </summary>
/// <remarks>
/// Only the controller changes the leadership (<see cref="Update"/>, under its lock); the replica fetchers report
/// follower progress (<see cref="RecordFollowerFetch"/>); producers append through <see cref="AppendAsLeader"/>.
/// The partition's own lock orders leadership changes and high watermark computation, so the high watermark is
/// always computed from one consistent ISR. Lock order: controller, then partition, then replica log.
/// </remarks>
internal sealed class PartitionState
{
    private readonly Lock _lock = new();
    private volatile IReadOnlyDictionary<int, PartitionLog> _logs; // replaced as a whole when a reassignment adds a replica
    private readonly TimeProvider _time;
    private readonly Func<int, ReplicaFetcher?> _fetcherOf;
    private readonly bool _followersServeReads;
    private readonly Func<int, PartitionLog> _newLog;
    private volatile PartitionLeadership _leadership;
    private FollowerProgress[] _progress;
    // Followers whose return to the ISR was asked of the controller and not yet answered. They count for the high
    // watermark meanwhile (Kafka's "maximal ISR"), so it cannot pass what they have: once in the ISR, a follower
    // that the controller may elect holds every acknowledged record. Cleared by every leadership update.
    private readonly HashSet<int> _joining = [];

    /// <param name="topic">The topic name.</param>
    /// <param name="index">The partition number.</param>
    /// <param name="leadership">The first leadership; every assigned replica gets a log.</param>
    /// <param name="time">The clock of the lag check.</param>
    /// <param name="fetcherOf">
    /// The replica fetcher of a follower's broker, told when this partition has new data (and given the copy of a
    /// producer's append at once), or when the leader's high watermark or log start moved: the follower learns those
    /// within replica.fetch.wait.max.ms, as from the answer to a Kafka follower's fetch waiting at the leader.
    /// </param>
    /// <param name="followersServeReads">
    /// Consumers read from followers (a rack-aware replica selector): the followers are woken when the high watermark
    /// moves too, so they learn it at once, as a Kafka leader answers a waiting follower fetch when it moves.
    /// </param>
    /// <param name="newLog">The log of a replica on a broker (in memory, or recovered from the broker's data directory).</param>
    public PartitionState(string topic, int index, PartitionLeadership leadership, TimeProvider? time = null, Func<int, ReplicaFetcher?>? fetcherOf = null,
        bool followersServeReads = false, Func<int, PartitionLog>? newLog = null)
    {
        _followersServeReads = followersServeReads;
        _newLog = newLog ?? (_ => new PartitionLog());
        Topic = topic;
        Index = index;
        _time = time ?? TimeProvider.System;
        _fetcherOf = fetcherOf ?? (_ => null);
        _logs = leadership.Replicas.ToDictionary(r => r, _newLog);
        _leadership = leadership;
        _progress = NewProgress(leadership);
        AssignRoles(leadership);
        // A Kafka follower fetches as soon as it follows, written or not, and so reports that it has all the leader has.
        // Woken only by appends, the followers of a partition never written would not report, and after
        // replica.lag.time.max.ms the leader would drop them from the ISR (every idle partition of __consumer_offsets did).
        WakeFollowers(leadership);
    }

    /// <summary>The topic name.</summary>
    public string Topic { get; }

    /// <summary>The partition number.</summary>
    public int Index { get; }

    /// <summary>The current leadership (one consistent snapshot).</summary>
    public PartitionLeadership Leadership => _leadership;

    /// <summary>The log of the replica on <paramref name="brokerId"/> (which must be one of the replicas).</summary>
    public PartitionLog ReplicaLog(int brokerId) => _logs[brokerId];

    /// <summary>The current leader's log, or null while the partition is offline.</summary>
    public PartitionLog? LeaderLog => _leadership.Leader is var leader and >= 0 ? _logs[leader] : null;

    /// <summary>Every replica's log.</summary>
    public IEnumerable<PartitionLog> Logs => _logs.Values;

    /// <summary>
    /// Installs new leadership (controller only, under its lock). A new epoch makes the new leader's log lead and
    /// every other replica follow; the followers' progress starts over, as they report to the new leader. A replica
    /// a reassignment adds gets an empty follower log (it copies from the leader's log start); one it removes is
    /// emptied, as Kafka deletes a moved replica's log.
    /// </summary>
    public void Update(PartitionLeadership leadership)
    {
        lock (_lock)
        {
            var previous = _leadership;
            var added = leadership.Replicas.Except(previous.Replicas).ToList();
            if (added.Count > 0)
            {
                var logs = new Dictionary<int, PartitionLog>(_logs);
                foreach (var replica in added)
                {
                    var log = _newLog(replica);
                    log.BecomeFollower(leadership.LeaderEpoch);
                    logs[replica] = log;
                }
                _logs = logs;
            }
            if (leadership.LeaderEpoch != previous.LeaderEpoch)
            {
                AssignRoles(leadership);
                _progress = NewProgress(leadership);
            }
            else
            {
                if (!leadership.Replicas.SequenceEqual(previous.Replicas)) _progress = CarriedProgress(previous, leadership);
                if (leadership.Leader >= 0) _logs[leadership.Leader].SetSoleInSyncReplica(IsSole(leadership));
            }
            _leadership = leadership;
            _joining.Clear();
            foreach (var removed in previous.Replicas.Except(leadership.Replicas)) _logs[removed].ResetTo(0);
            AdvanceHighWatermarkLocked();
        }
        WakeFollowers(leadership);
    }

    /// <summary>The followers' progress under a new replica list with the same leader epoch: kept for the replicas that stay.</summary>
    private FollowerProgress[] CarriedProgress(PartitionLeadership previous, PartitionLeadership next)
    {
        var fresh = NewProgress(next);
        for (var i = 0; i < next.Replicas.Count; i++)
        {
            var before = IndexOf(previous, next.Replicas[i]);
            if (before >= 0) fresh[i] = _progress[before];
        }
        return fresh;
    }

    private static bool IsSole(PartitionLeadership leadership) => leadership.Isr.Count == 1 && leadership.Isr[0] == leadership.Leader;

    /// <summary>Fences the old leader before the new one takes writes, so there is never more than one.</summary>
    private void AssignRoles(PartitionLeadership leadership)
    {
        foreach (var (broker, log) in _logs)
        {
            if (broker != leadership.Leader) log.BecomeFollower(leadership.LeaderEpoch);
        }
        if (leadership.Leader >= 0) _logs[leadership.Leader].BecomeLeader(leadership.LeaderEpoch, IsSole(leadership));
    }

    private FollowerProgress[] NewProgress(PartitionLeadership leadership)
    {
        var now = NowMs;
        return leadership.Replicas.Select(_ => new FollowerProgress { LogEndOffset = -1, LastCaughtUpMs = now }).ToArray();
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Appends a producer's batches on <paramref name="brokerId"/>'s replica, which must lead; the followers copy them at
    /// once on the caller's thread where they can (<see cref="ReplicaFetcher.CopyNowOrWake"/>), so the caller must hold
    /// no partition or log lock.
    /// </summary>
    public AppendResult AppendAsLeader(int brokerId, ReadOnlySpan<byte> records, AppendOptions options)
    {
        if (!_logs.TryGetValue(brokerId, out var log)) return new AppendResult(ErrorCode.NotLeaderOrFollower, -1, -1, -1);
        var result = log.Append(records, options);
        if (result.Error == ErrorCode.None) NotifyFollowers(_leadership, static (fetcher, partition) => fetcher.CopyNowOrWake(partition));
        return result;
    }

    /// <summary>
    /// Writes a transaction marker on the leader, to replicate like data, and ends the producer's admission on
    /// every replica. Returns the marker's offset, or -1 while the partition has no leader (the caller keeps the
    /// marker for later).
    /// </summary>
    public long AppendMarker(long producerId, short producerEpoch, ControlRecord marker, long nowMs, int maxMessageBytes)
    {
        var leadership = _leadership;
        if (leadership.Leader < 0) return -1;
        var leaderLog = _logs[leadership.Leader];
        var offset = leaderLog.LogEndOffset;
        var options = new AppendOptions(leadership.LeaderEpoch, nowMs, UseLogAppendTime: false, maxMessageBytes);
        if (!leaderLog.AppendMarker(producerId, producerEpoch, marker, options)) return -1;
        foreach (var log in _logs.Values) log.RevokeTransactionalProducer(producerId);
        WakeFollowers(leadership);
        return offset;
    }

    /// <summary>Lets a transactional producer write here (AddPartitionsToTxn), on every replica, so a new leader knows it too.</summary>
    public void AdmitTransactionalProducer(long producerId, short producerEpoch)
    {
        foreach (var log in _logs.Values) log.AdmitTransactionalProducer(producerId, producerEpoch);
    }

    /// <summary>
    /// A follower's fetch, as the leader of <paramref name="leaderEpoch"/> sees it: the follower's log end is now
    /// <paramref name="followerLogEndOffset"/>, and it had all the leader had when it fetched if that reaches
    /// <paramref name="leaderLogEndAtFetch"/>. The high watermark may advance. Returns true when the follower is
    /// out of the ISR but has caught up to the high watermark, so it should rejoin.
    /// </summary>
    public bool RecordFollowerFetch(int brokerId, long followerLogEndOffset, long leaderLogEndAtFetch, int leaderEpoch)
    {
        lock (_lock)
        {
            var leadership = _leadership;
            var index = IndexOf(leadership, brokerId);
            if (leadership.LeaderEpoch != leaderEpoch || leadership.Leader < 0 || index < 0) return false;
            var progress = _progress[index];
            progress.LogEndOffset = followerLogEndOffset;
            if (followerLogEndOffset >= leaderLogEndAtFetch) progress.LastCaughtUpMs = NowMs;
            // Followers serving reads learn it at once; the others by their next fetch, which the leader answers within
            // replica.fetch.wait.max.ms even when nothing new arrives (their own retention waits for it too).
            if (AdvanceHighWatermarkLocked())
            {
                if (_followersServeReads) WakeFollowers(leadership);
                else RemindFollowers(leadership);
            }
            var rejoins = !leadership.Isr.Contains(brokerId) && followerLogEndOffset >= _logs[leadership.Leader].HighWatermark;
            if (rejoins && _joining.Add(brokerId)) _logs[leadership.Leader].SetSoleInSyncReplica(false);
            return rejoins;
        }
    }

    /// <summary>
    /// The in-sync followers that have not caught up with the leader's log end for longer than
    /// <paramref name="lagTimeMaxMs"/> (replica.lag.time.max.ms), with the leader epoch they were judged at.
    /// </summary>
    public (IReadOnlyList<int> Lagging, int LeaderEpoch) LaggingFollowers(long lagTimeMaxMs)
    {
        lock (_lock)
        {
            var leadership = _leadership;
            if (leadership.Leader < 0) return ([], leadership.LeaderEpoch);
            var leaderEnd = _logs[leadership.Leader].LogEndOffset;
            var now = NowMs;
            List<int>? lagging = null;
            foreach (var replica in leadership.Isr)
            {
                if (replica == leadership.Leader) continue;
                var progress = _progress[IndexOf(leadership, replica)];
                // A follower with nothing left to copy is caught up, whether or not it fetched lately.
                if (progress.LogEndOffset >= leaderEnd) progress.LastCaughtUpMs = now;
                else if (now - progress.LastCaughtUpMs > lagTimeMaxMs) (lagging ??= []).Add(replica);
            }
            return (lagging ?? (IReadOnlyList<int>)[], leadership.LeaderEpoch);
        }
    }

    /// <summary>High watermark = the smallest log end over the ISR (a follower that has not reported holds it still); true when it moved.</summary>
    private bool AdvanceHighWatermarkLocked()
    {
        var leadership = _leadership;
        if (leadership.Leader < 0) return false;
        var leaderLog = _logs[leadership.Leader];
        var highWatermark = leaderLog.LogEndOffset;
        // Runs on every follower fetch: indexed and struct enumerators, no LINQ.
        for (var i = 0; i < leadership.Isr.Count; i++) highWatermark = Math.Min(highWatermark, FollowerLogEnd(leadership, leadership.Isr[i]));
        foreach (var replica in _joining) highWatermark = Math.Min(highWatermark, FollowerLogEnd(leadership, replica));
        return leaderLog.AdvanceHighWatermark(highWatermark, leadership.LeaderEpoch);
    }

    /// <summary>What a follower has, as its last fetch said; the leader and replicas not assigned do not bound anything.</summary>
    private long FollowerLogEnd(PartitionLeadership leadership, int replica) =>
        replica != leadership.Leader && IndexOf(leadership, replica) is >= 0 and var index ? _progress[index].LogEndOffset : long.MaxValue;

    private static int IndexOf(PartitionLeadership leadership, int brokerId)
    {
        for (var i = 0; i < leadership.Replicas.Count; i++)
        {
            if (leadership.Replicas[i] == brokerId) return i;
        }
        return -1;
    }

    private void WakeFollowers(PartitionLeadership leadership) => NotifyFollowers(leadership, static (fetcher, partition) => fetcher.Wake(partition));

    private void RemindFollowers(PartitionLeadership leadership) => NotifyFollowers(leadership, static (fetcher, partition) => fetcher.Remind(partition));

    private void NotifyFollowers(PartitionLeadership leadership, Action<ReplicaFetcher, PartitionState> notify)
    {
        // Runs on every append: indexed, no enumerator.
        var replicas = leadership.Replicas;
        for (var i = 0; i < replicas.Count; i++)
        {
            if (replicas[i] != leadership.Leader && _fetcherOf(replicas[i]) is { } fetcher) notify(fetcher, this);
        }
    }

    /// <summary>
    /// DeleteRecords on the replica of <paramref name="brokerId"/> (the leader): moves its log start to
    /// <paramref name="offset"/> (-1: the high watermark); the followers follow from their next fetch.
    /// </summary>
    public (ErrorCode Error, long LowWatermark) DeleteRecordsBefore(int brokerId, long offset)
    {
        var log = _logs[brokerId];
        var before = log.LogStartOffset;
        var result = log.DeleteRecordsBefore(offset);
        if (result.LowWatermark > before) LogStartMoved();
        return result;
    }

    /// <summary>
    /// The leader's log start moved (DeleteRecords, retention): the followers learn it from their next fetch, which
    /// the leader answers within replica.fetch.wait.max.ms.
    /// </summary>
    public void LogStartMoved() => RemindFollowers(_leadership);

    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Index}";

    /// <summary>What the leader knows of one follower; guarded by the partition's lock.</summary>
    private sealed class FollowerProgress
    {
        public long LogEndOffset { get; set; }
        public long LastCaughtUpMs { get; set; }
    }
}
