using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Protocol;

namespace Tributary.Broker.Replication;

/// <summary>
/// The replica fetcher of one broker: copies, for every partition this broker follows, what the leader has
/// that it lacks, in process, as Kafka's follower fetch does over the network. A copy reads the partition from its
/// leader, appends the batches (sharing the leader's memory) and reports the new log end to the leader, which moves
/// the high watermark and the ISR. A producer's append is copied at once on its own thread
/// (<see cref="CopyNowOrWake"/>); anything else is copied by one loop per broker, woken by the leaders (no polling),
/// which also waits the broker's replication delay when one is set.
/// </summary>
/// <remarks>
/// <para><b>Why a producer's thread copies.</b> With the loop alone, an acks=all produce to a partition with two
/// followers was answered after three thread hand-offs (each follower's loop woken, then the waiting request woken by
/// the high watermark), and those wake-ups were most of what replication factor 3 cost over factor 1 in the cluster
/// benchmark (docs/benchmarks.md, issue 20, eleventh round). Copied on the appending thread, the request usually finds
/// its high watermark moved when it starts to wait. The copy is the same work the loop does, in the same order.</para>
/// <para>Copies into this broker's follower logs are made one at a time, under <c>_copying</c>: the loop takes it (it
/// holds no other lock then), a producer's thread only tries it (and wakes the loop instead when it is taken), so the
/// lock cannot be part of a deadlock. Whoever holds it takes partition and log locks one at a time, and calls the
/// controller (a follower rejoining the ISR) only after releasing it. On a new leader epoch a copy first truncates what
/// diverges (<see cref="PartitionLog.TruncateDivergentFrom"/>). The loop sleeps while nothing needs it: a Kafka follower
/// whose fetch finds nothing new hears again from its leader after <see cref="FetchWaitMax"/> at the latest, and
/// learns the high watermark and log start from that answer; here a partition is looked at again after that
/// interval only when the answer could differ (<see cref="Remind"/>: the leader's high watermark or log start moved
/// past what this replica knows, or a fetch was refused), so an idle cluster's fetchers never wake.</para>
/// </remarks>
internal sealed class ReplicaFetcher : IAsyncDisposable
{
    /// <summary>Kafka's replica.fetch.max.bytes: how much one partition's fetch copies at most (at least one batch).</summary>
    private const int MaxFetchBytes = 1024 * 1024;

    /// <summary>Kafka's replica.fetch.wait.max.ms: the longest a follower goes without hearing of a change at its leader.</summary>
    private static readonly TimeSpan FetchWaitMax = TimeSpan.FromMilliseconds(500);

    private readonly BrokerNode _broker;
    private readonly ClusterController _controller;
    private readonly ILogger _logger;
    private readonly Lock _copying = new();
    private readonly ConcurrentDictionary<PartitionState, byte> _woken = new();
    private readonly ConcurrentDictionary<PartitionState, byte> _reminded = new();
    private readonly ITimer _reminder;
    private int _reminderArmed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _signal = NewSignal();
    private volatile bool _sweepRequested;
    private volatile bool _paused;
    private long _delayTicks;
    private long _wakeUps;

    public ReplicaFetcher(BrokerNode broker, ClusterController controller, ILogger logger)
    {
        _broker = broker;
        _controller = controller;
        _logger = logger;
        _reminder = TimeProvider.System.CreateTimer(_ => RemindNow(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The broker whose follower replicas this fetcher fills.</summary>
    public int BrokerId => _broker.Id;

    /// <summary>How many times the loop has woken since it started (an idle cluster's fetchers stay asleep).</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>While paused, this broker's replicas copy nothing (a test control).</summary>
    public bool Paused
    {
        get => _paused;
        set
        {
            _paused = value;
            if (!value) WakeAll();
        }
    }

    /// <summary>How long each fetch answer takes to arrive (a test control: replication latency).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>The leader of <paramref name="partition"/> has something new (or the partition has a new leader).</summary>
    public void Wake(PartitionState partition)
    {
        _woken.TryAdd(partition, 0);
        _signal.TrySetResult();
    }

    /// <summary>
    /// The leader of <paramref name="partition"/> appended on the caller's thread, which holds no lock: the copy is
    /// made at once on that thread when no other copy into this broker is under way and nothing holds replication back
    /// (a pause, a delay, a stopped or isolated broker); otherwise the loop is woken (<see cref="Wake"/>).
    /// </summary>
    public void CopyNowOrWake(PartitionState partition)
    {
        if (Interlocked.Read(ref _delayTicks) != 0 || !MayCopy || !_copying.TryEnter())
        {
            Wake(partition);
            return;
        }
        Fetched? copy;
        bool rejoins;
        try
        {
            copy = Read(partition);
            rejoins = copy is { } read && Apply(read);
        }
        finally
        {
            _copying.Exit();
        }
        if (rejoins) _controller.JoinIsr(partition, BrokerId, copy!.Value.LeaderEpoch);
    }

    /// <summary>Whether this broker's replicas may copy now: not paused, running, and not cut off by a network partition.</summary>
    private bool MayCopy => !_paused && _broker.IsAlive && !_controller.IsIsolated(BrokerId);

    /// <summary>
    /// The leader of <paramref name="partition"/> has something this replica learns only from its next fetch (a new
    /// high watermark or log start): the partition is looked at once <see cref="FetchWaitMax"/> has passed, as a Kafka
    /// follower's fetch waiting at its leader is answered after replica.fetch.wait.max.ms, unless an append wakes it first.
    /// </summary>
    public void Remind(PartitionState partition)
    {
        _reminded.TryAdd(partition, 0);
        if (Interlocked.Exchange(ref _reminderArmed, 1) == 0) _reminder.Change(FetchWaitMax, Timeout.InfiniteTimeSpan);
    }

    private void RemindNow()
    {
        // Disarmed first: a reminder added while this runs arms the timer again (at worst one round finds nothing).
        Volatile.Write(ref _reminderArmed, 0);
        var any = false;
        foreach (var partition in _reminded.Keys)
        {
            if (!_reminded.TryRemove(partition, out _)) continue;
            _woken.TryAdd(partition, 0);
            any = true;
        }
        if (any) _signal.TrySetResult();
    }

    /// <summary>Looks at every partition this broker follows (after a start, a resume, or leadership changes).</summary>
    public void WakeAll()
    {
        _sweepRequested = true;
        _signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var signal = Volatile.Read(ref _signal);
            // No timeout: whatever needs this loop signals it (an append, a leadership change, a reminder, a control).
            await signal.Task.WaitAsync(token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (token.IsCancellationRequested) return;
            Interlocked.Increment(ref _wakeUps);
            // Reset before taking the work, so a wake-up that comes while this round runs starts the next one.
            Interlocked.CompareExchange(ref _signal, NewSignal(), signal);
            // Paused, stopped or isolated: resuming, starting and healing look at every partition (WakeAll).
            if (!MayCopy) continue;
            try
            {
                await FetchRoundAsync(sweep: _sweepRequested, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Replica fetcher of broker {Broker} failed a round; it goes on", BrokerId);
            }
        }
    }

    private async Task FetchRoundAsync(bool sweep, CancellationToken token)
    {
        List<PartitionState> partitions;
        if (sweep)
        {
            _sweepRequested = false;
            _woken.Clear();
            partitions = _controller.Topics.SelectMany(t => t.Partitions).Where(p => p.Leadership.Replicas.Contains(BrokerId)).ToList();
        }
        else
        {
            partitions = new List<PartitionState>(_woken.Count);
            foreach (var partition in _woken.Keys)
            {
                if (_woken.TryRemove(partition, out _)) partitions.Add(partition);
            }
        }

        var delay = Delay;
        var fetched = new List<Fetched>(partitions.Count);
        List<Fetched>? rejoining = null;
        using (_copying.EnterScope())
        {
            foreach (var partition in partitions)
            {
                if (Read(partition) is { } read) fetched.Add(read);
            }
            if (delay == TimeSpan.Zero) rejoining = ApplyAll(fetched);
        }
        if (delay > TimeSpan.Zero && fetched.Count > 0)
        {
            await Task.Delay(delay, token).ConfigureAwait(false);
            using (_copying.EnterScope()) rejoining = ApplyAll(fetched);
        }
        foreach (var rejoin in rejoining ?? []) _controller.JoinIsr(rejoin.Partition, BrokerId, rejoin.LeaderEpoch);
    }

    /// <summary>Appends what a round read (under <c>_copying</c>); returns the copies whose follower should rejoin the ISR.</summary>
    private List<Fetched>? ApplyAll(List<Fetched> fetched)
    {
        List<Fetched>? rejoining = null;
        foreach (var read in fetched)
        {
            // A pause takes effect at once: nothing read before it is appended after it (resuming looks at every partition).
            if (_paused) read.Read.Release();
            else if (Apply(read)) (rejoining ??= []).Add(read);
        }
        return rejoining;
    }

    /// <summary>The "fetch request": truncate first on a new epoch, then read from the follower's log end.</summary>
    private Fetched? Read(PartitionState partition)
    {
        var leadership = partition.Leadership;
        if (leadership.Leader < 0 || leadership.Leader == BrokerId || !leadership.Replicas.Contains(BrokerId)) return null;
        if (_controller.IsIsolated(leadership.Leader)) return null; // the leader is unreachable
        var follower = partition.ReplicaLog(BrokerId);
        var leader = partition.ReplicaLog(leadership.Leader);
        follower.TruncateDivergentFrom(leader, leadership.LeaderEpoch);
        var read = leader.ReadForReplica(follower.LogEndOffset, MaxFetchBytes);
        if (read.Error == ErrorCode.OffsetOutOfRange)
        {
            // Behind the leader's log start (retention, DeleteRecords): start over from there.
            follower.ResetTo(read.LogStartOffset);
            read = leader.ReadForReplica(read.LogStartOffset, MaxFetchBytes);
        }
        return new Fetched(partition, leadership.LeaderEpoch, read);
    }

    /// <summary>
    /// The "fetch response": append, learn the high watermark, report the new log end to the leader. Returns true when
    /// the follower has caught up out of the ISR: the caller asks the controller to take it back, holding no lock.
    /// </summary>
    private bool Apply(Fetched fetched)
    {
        var (partition, leaderEpoch, read) = fetched;
        var follower = partition.ReplicaLog(BrokerId);
        bool appended;
        try
        {
            appended = read.Error == ErrorCode.None && follower.AppendReplicated(read.Batches, leaderEpoch, read.FetchOffset);
        }
        finally
        {
            read.Release(); // the follower's log holds what it appended
        }
        if (!appended)
        {
            Remind(partition); // refused (a leadership change wakes it anyway): try again as Kafka's next fetch would
            return false;
        }
        follower.FollowLeader(read.HighWatermark, read.LogStartOffset);
        // What the answer said could not all be taken yet (the high watermark is capped at this log's end, the log
        // start at its high watermark): ask again.
        if (follower.LogStartOffset < read.LogStartOffset) Remind(partition);
        var logEnd = follower.LogEndOffset;
        var rejoins = partition.RecordFollowerFetch(BrokerId, logEnd, read.LogEndOffset, leaderEpoch);
        // The leader had more than one fetch copies: go on at once.
        if (logEnd < read.LogEndOffset) Wake(partition);
        return rejoins;
    }

    /// <summary>Stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _reminder.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private readonly record struct Fetched(PartitionState Partition, int LeaderEpoch, ReplicaRead Read);
}
