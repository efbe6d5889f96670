using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Protocol;

namespace Tributary.Broker.Replication;

/// <summary>
/// The replica fetcher of one broker: copies, for every partition this broker follows, what the leader has
/// that it lacks, in process, as Kafka's follower fetch does over the network. One loop per broker, woken
/// by the leaders' appends (no polling); each round reads every woken partition from its leader, waits the
/// broker's replication delay if one is set, then appends the batches (sharing the leader's memory) and
/// reports the new log end to the leader, which moves the high watermark and the ISR.
/// </summary>
/// <remarks>
/// The loop is the only writer of this broker's follower logs. On a new leader epoch it first truncates what
/// diverges (<see cref="PartitionLog.TruncateDivergentFrom"/>). It sleeps while nothing needs it: a Kafka follower
/// whose fetch finds nothing new hears again from its leader after <see cref="FetchWaitMax"/> at the latest, and
/// learns the high watermark and log start from that answer; here a partition is looked at again after that
/// interval only when the answer could differ (<see cref="Remind"/>: the leader's high watermark or log start moved
/// past what this replica knows, or a fetch was refused), so an idle cluster's fetchers never wake.
/// </remarks>
internal sealed class ReplicaFetcher : IAsyncDisposable
{
    /// <summary>Kafka's replica.fetch.max.bytes: how much one partition's fetch copies at most (at least one batch).</summary>
    private const int MaxFetchBytes = 1024 * 1024;

    /// <summary>Kafka's replica.fetch.wait.max.ms: the longest a follower goes without hearing of a change at its leader.</summary>
    private static readonly TimeSpan FetchWaitMax = TimeSpan.FromMilliseconds(500);

    private readonly ClusterController _controller;
    private readonly ILogger _logger;
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

    public ReplicaFetcher(int brokerId, ClusterController controller, ILogger logger)
    {
        BrokerId = brokerId;
        _controller = controller;
        _logger = logger;
        _reminder = TimeProvider.System.CreateTimer(_ => RemindNow(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The broker whose follower replicas this fetcher fills.</summary>
    public int BrokerId { get; }

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
            if (_paused || _controller.Broker(BrokerId)?.IsAlive != true || _controller.IsIsolated(BrokerId)) continue;
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

        var fetched = new List<Fetched>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (Read(partition) is { } read) fetched.Add(read);
        }
        if (fetched.Count == 0) return;
        var delay = Delay;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, token).ConfigureAwait(false);
        foreach (var read in fetched)
        {
            // A pause takes effect at once: nothing read before it is appended after it (resuming looks at every partition).
            if (_paused) read.Read.Release();
            else Apply(read);
        }
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

    /// <summary>The "fetch response": append, learn the high watermark, report the new log end to the leader.</summary>
    private void Apply(Fetched fetched)
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
            return;
        }
        follower.FollowLeader(read.HighWatermark, read.LogStartOffset);
        // What the answer said could not all be taken yet (the high watermark is capped at this log's end, the log
        // start at its high watermark): ask again.
        if (follower.LogStartOffset < read.LogStartOffset) Remind(partition);
        var logEnd = follower.LogEndOffset;
        if (partition.RecordFollowerFetch(BrokerId, logEnd, read.LogEndOffset, leaderEpoch)) _controller.JoinIsr(partition, BrokerId, leaderEpoch);
        // The leader had more than one fetch copies: go on at once.
        if (logEnd < read.LogEndOffset) Wake(partition);
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
