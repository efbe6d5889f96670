using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>
/// Owns one Confluent.Kafka consumer and drives it from a dedicated thread. librdkafka runs rebalance callbacks on
/// the thread that calls Consume, so everything that touches assignment state (routing, pausing, committing,
/// dropping buffered records of revoked partitions) happens on this thread, in order, without locks of its own.
/// Stages talk to it through thread-safe queues and <see cref="PartitionBuffer{TKey,TValue}"/>s.
/// </summary>
internal sealed class ConsumerDriver<TKey, TValue> : IOffsetCommitter
{
    private static readonly HashSet<ErrorCode> RebalanceErrors =
    [
        ErrorCode.RebalanceInProgress, ErrorCode.IllegalGeneration, ErrorCode.UnknownMemberId,
        ErrorCode.FencedInstanceId, ErrorCode.StaleMemberEpoch, ErrorCode.Local_State,
    ];

    private readonly ConsumerSettings<TKey, TValue> _settings;
    private readonly ILogger _logger;
    private readonly IConsumer<TKey, TValue> _consumer;
    private readonly RestrictedConsumer<TKey, TValue> _restricted;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly ConcurrentQueue<CommitRequest> _commits = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The one topic every record is of, when known; it fills each record's topic (see TopicNames).
    private readonly string? _onlyTopic;

    // Poll-thread state.
    private readonly Dictionary<TopicPartition, RouteEntry> _routes = new();
    // Poll thread: the route Route found last (see RouteOf).
    private (TopicPartition Partition, RouteEntry Route)? _lastRoute;
    private readonly HashSet<TopicPartition> _paused = new();
    // Resumed explicitly on their first round: a partition paused before it was revoked must not stay paused in
    // librdkafka once it is assigned again.
    private readonly HashSet<TopicPartition> _freshlyAssigned = new();
    private readonly List<TopicPartition> _toPause = new();
    private readonly List<TopicPartition> _toResume = new();
    private readonly List<PartitionBuffer<TKey, TValue>> _touched = new();
    private readonly HashSet<PartitionOwner<TKey, TValue>> _owners = new();
    private readonly List<IPartitionEventHandler> _partitionHandlers = new();
    private readonly CancellationTokenSource _stopChecking = new();
    private IAutoSubscription? _subscription;
    private PartitionOwner<TKey, TValue>? _groupOwner;

    private volatile bool _closeRequested;
    // Set once the consumer is disposed: commands and commits queued from then on are abandoned by whoever sees it.
    private volatile bool _terminated;
    private volatile Exception? _fatalError;
    private volatile string? _statistics;
    private long _recordsConsumed;
    private long _offsetsCommitted;
    private long _offsetsDropped;

    /// <param name="settings">The consumer's settings.</param>
    /// <param name="onlyTopic">
    /// The one topic this consumer will ever read, when its only source knows it (a subscription to one named topic, or
    /// an assignment of partitions of one topic); null otherwise. See <see cref="TopicNames"/>.
    /// </param>
    public ConsumerDriver(ConsumerSettings<TKey, TValue> settings, string? onlyTopic = null)
    {
        _settings = settings;
        _logger = settings.Logger;
        GroupId = settings.GroupId ?? "";
        if (settings.PartitionHandler is { } handler)
            _partitionHandlers.Add(handler);
        _onlyTopic = settings.ConsumerFactory is null ? onlyTopic : null;
        if (settings.ConsumerFactory is null)
            TopicNames.RequireTopicsOf(settings, _onlyTopic);
        _consumer = settings.ConsumerFactory?.Invoke(settings) ?? TopicNames.Settings(settings, _onlyTopic).Builder()
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnReleased(partitions, lost: false))
            .SetPartitionsLostHandler((_, partitions) => OnReleased(partitions, lost: true))
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) => _logger.LogKafkaClientMessage(message))
            .SetStatisticsHandler((_, json) => _statistics = json)
            .Build();
        _restricted = new RestrictedConsumer<TKey, TValue>(_consumer);
        ConsumerLag.Track(this, GroupId, () => _statistics);
        _thread = new Thread(Run) { IsBackground = true, Name = $"kafka-poll-{_consumer.Name}" };
    }

    public string GroupId { get; }

    /// <summary>
    /// The group metadata (member id, generation) to send with offsets in a transaction (KIP-447); null without a
    /// group. librdkafka takes its own lock, so any thread may read it.
    /// </summary>
    public IConsumerGroupMetadata? GroupMetadata => GroupId.Length == 0 ? null : _consumer.ConsumerGroupMetadata;

    /// <summary>Completes when the consumer has been closed and the poll thread has ended.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Starts polling. A group subscription, if any, must be given before.</summary>
    public void Start()
    {
        _thread.Start();
        if (_settings.ConnectionChecker.Enabled)
            _ = CheckConnectionAsync(_settings.ConnectionChecker, _stopChecking.Token);
    }

    /// <summary>Subscribes through the consumer group; all assigned partitions go to <paramref name="owner"/>.</summary>
    public void Subscribe(IAutoSubscription autoSubscription, PartitionOwner<TKey, TValue> owner)
    {
        if (_settings.ConsumerFactory is not null)
            throw new InvalidOperationException("A consumer from ConsumerSettings.ConsumerFactory lacks the source's rebalance handlers: use it with a manual assignment (Subscriptions.Assignment), not a group subscription.");
        // Called before Start, so the poll thread does not exist yet; it must know the owner even if Subscribe fails.
        _subscription = autoSubscription;
        if (autoSubscription.PartitionEventsHandler is { } handler)
            _partitionHandlers.Add(handler);
        _groupOwner = owner;
        _owners.Add(owner);
    }

    /// <summary>Assigns the partitions of a manual subscription and routes them to <paramref name="owner"/>.</summary>
    public void Attach(IManualSubscription manual, PartitionOwner<TKey, TValue> owner) => Enqueue(new Command(() =>
    {
        _owners.Add(owner);
        var offsets = StartOffsetsOf(manual);
        foreach (var offset in offsets)
            SetRoute(offset.TopicPartition, new RouteEntry(owner, owner.Assigned(offset.TopicPartition)));
        _consumer.IncrementalAssign(offsets);
        _logger.LogInformation("Assigned {Partitions}", KafkaLog.Describe(offsets));
    }, Abandon: owner.Closed));

    /// <summary>Unassigns the partitions routed to <paramref name="owner"/>.</summary>
    public void Detach(PartitionOwner<TKey, TValue> owner) => Enqueue(new Command(() =>
    {
        _owners.Remove(owner);
        var mine = _routes.Where(r => r.Value.Owner == owner).Select(r => r.Key).ToList();
        foreach (var partition in mine)
        {
            if (RemoveRoute(partition, out var route))
                route.Owner.Released(partition, route.Buffer);
            _paused.Remove(partition);
        }
        if (mine.Count > 0)
            _consumer.IncrementalUnassign(mine);
    }, Abandon: static () => { }));

    /// <summary>Wakes the poll thread if it waits with all partitions paused.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Asks the poll thread to commit what is pending, close the consumer and end.</summary>
    public Task CloseAsync()
    {
        _closeRequested = true;
        _wake.Set();
        if ((_thread.ThreadState & ThreadState.Unstarted) != 0)
        {
            ConsumerLag.Untrack(this);
            _consumer.Dispose();
            _closed.TrySetResult();
        }
        return _closed.Task;
    }

    /// <inheritdoc />
    public async Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        if (_closed.Task.IsCompleted)
        {
            LogDropped(offsets, "the consumer is closed");
            return;
        }
        var request = new CommitRequest(offsets);
        _commits.Enqueue(request);
        _wake.Set();
        if (_terminated)
            DropPendingCommits();
        try
        {
            await request.Completion.Task.WaitAsync(_settings.CommitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CommitTimeoutException($"Commit of {KafkaLog.Describe(offsets)} was not acknowledged within {_settings.CommitTimeout}.");
        }
    }

    /// <summary>A snapshot of assignment and counters, taken on the poll thread.</summary>
    public Task<ConsumerMetrics> GetMetricsAsync()
    {
        if (_closed.Task.IsCompleted)
            return Task.FromResult(Snapshot([], []));
        var result = new TaskCompletionSource<ConsumerMetrics>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Command(
            () => result.TrySetResult(Snapshot(_routes.Keys.ToList(), _paused.ToList())),
            Abandon: () => result.TrySetResult(Snapshot([], []))));
        return result.Task;
    }

    private ConsumerMetrics Snapshot(IReadOnlyList<TopicPartition> assigned, IReadOnlyList<TopicPartition> pausedNow) =>
        new(assigned, pausedNow, Interlocked.Read(ref _recordsConsumed), Interlocked.Read(ref _offsetsCommitted), Interlocked.Read(ref _offsetsDropped), _statistics);

    private void Enqueue(Command command)
    {
        _commands.Enqueue(command);
        _wake.Set();
        // The poll thread may have run its last commands just before: then nobody else will.
        if (_terminated)
            AbandonCommands();
    }

    private void AbandonCommands()
    {
        while (_commands.TryDequeue(out var command))
            command.Abandon();
    }

    private void Run()
    {
        try
        {
            if (_subscription is TopicSubscription topics)
                _consumer.Subscribe(topics.Topics);
            else if (_subscription is TopicPatternSubscription pattern)
                _consumer.Subscribe(pattern.Pattern);
            while (!_closeRequested)
            {
                RunCommands();
                CommitPending();
                PollBatch(UpdatePausedPartitions());
                if (_fatalError is { } fatal)
                    throw fatal;
            }
            CloseConsumer();
        }
        catch (Exception error)
        {
            var failure = AsConsumerFailure(error);
            _logger.LogError(error, "Kafka consumer {Name} failed", _consumer.Name);
            foreach (var owner in _owners)
                owner.Failed(owner.Decide(error) == Directive.Restart ? new ConsumerRestartRequested(failure) : failure);
            FailPendingCommits(failure);
        }
        finally
        {
            _stopChecking.Cancel();
            DisposeConsumer();
            AbandonCommands();
            foreach (var owner in _owners)
                owner.Closed();
            _closed.TrySetResult();
        }
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out var command))
            command.Run();
    }

    private void PollBatch(bool recordsWanted)
    {
        // Woken while no source wanted records: one may have drained its buffer meanwhile (that is what wakes this
        // thread most often), and then a whole batch is taken now, not one record and a batch on the next round.
        if (!recordsWanted && WaitForWake())
            recordsWanted = UpdatePausedPartitions();
        // When no source wants records, Consume only serves librdkafka's callbacks: take at most one record.
        var limit = recordsWanted ? _settings.MaxPollRecords : 1;
        var record = Consume(ChooseTimeout(recordsWanted));
        var count = 0;
        while (record is not null)
        {
            KafkaTelemetry.Consumed(record.Topic, record.Partition, GroupId);
            Route(record);
            if (++count >= limit)
                break;
            record = Consume(TimeSpan.Zero);
        }
        if (count > 0)
            Interlocked.Add(ref _recordsConsumed, count);
        foreach (var buffer in _touched)
        {
            buffer.TouchedInBatch = false;
            buffer.Publish();
        }
        _touched.Clear();
    }

    /// <summary>
    /// When no source wants records, Consume would only hand over records nobody asked for, so the thread waits on
    /// <see cref="_wake"/> instead, which stages set when they drain a buffer or send a commit; a short Consume then
    /// serves rebalance callbacks. Returns whether it was woken (false when there was work already or the wait timed out).
    /// </summary>
    private bool WaitForWake()
    {
        if (WorkPending)
            return false;
        var woken = _wake.Wait(_settings.PollInterval);
        _wake.Reset();
        return woken;
    }

    /// <summary>Blocks in Consume while some source wants records and nothing else waits (librdkafka wakes it when records arrive).</summary>
    private TimeSpan ChooseTimeout(bool recordsWanted)
    {
        if (!recordsWanted || WorkPending)
            return TimeSpan.Zero;
        _wake.Reset();
        return _settings.PollInterval;
    }

    private bool WorkPending => !_commands.IsEmpty || !_commits.IsEmpty || _closeRequested;

    private ConsumeResult<TKey, TValue>? Consume(TimeSpan timeout)
    {
        try
        {
            var record = _consumer.Consume(timeout);
            if (record is not null && _onlyTopic is not null)
                record.Topic = _onlyTopic;
            return record;
        }
        catch (ConsumeException error)
        {
            if (_onlyTopic is not null)
                TopicNames.Fill(error.ConsumerRecord, _onlyTopic);
            if (error.Error.Code is ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization)
                OnDeserializationFailure(error);
            else if (IsAuthorizationFailure(error.Error))
                _fatalError ??= NotAuthorized(error.Error);
            else if (!error.Error.IsFatal)
                OnConsumeError(error);
            else
                throw;
            return null;
        }
    }

    private void Route(ConsumeResult<TKey, TValue> record)
    {
        if (RouteOf(record) is not { } route)
        {
            _logger.LogWarning("Dropped a record of unassigned partition {Partition}", KafkaLog.Describe([record.TopicPartition]));
            return;
        }
        route.Buffer.Add(record);
        if (!route.Buffer.TouchedInBatch)
        {
            route.Buffer.TouchedInBatch = true;
            _touched.Add(route.Buffer);
        }
    }

    /// <summary>
    /// The route of a record's partition. Consecutive records mostly share a partition (a fetched batch), so the last
    /// route found answers without a look-up; and ConsumeResult.TopicPartition makes a new object per call, which a
    /// look-up per record would allocate.
    /// </summary>
    private RouteEntry? RouteOf(ConsumeResult<TKey, TValue> record)
    {
        if (_lastRoute is { } last && last.Partition.Partition.Value == record.Partition.Value && string.Equals(last.Partition.Topic, record.Topic, StringComparison.Ordinal))
            return last.Route;
        var partition = new TopicPartition(record.Topic, record.Partition);
        if (!_routes.TryGetValue(partition, out var route))
            return null;
        _lastRoute = (partition, route);
        return route;
    }

    // Every change of the routes goes through these two, which forget the last route found.
    private void SetRoute(TopicPartition partition, RouteEntry route)
    {
        _routes[partition] = route;
        _lastRoute = null;
    }

    private bool RemoveRoute(TopicPartition partition, out RouteEntry route)
    {
        _lastRoute = null;
        return _routes.Remove(partition, out route);
    }

    /// <summary>
    /// A record failed to deserialize: its partition's owner decides. Resume skips the record (librdkafka has moved past
    /// it); Stop fails the owner's buffer once the records before it have been read; Restart does the same and the
    /// stage then recreates its consumer, which reads again from the committed offsets.
    /// </summary>
    private void OnDeserializationFailure(ConsumeException error)
    {
        var failure = new KafkaDeserializationException(error);
        if (!_routes.TryGetValue(failure.Record.TopicPartition, out var route))
            throw failure;
        switch (route.Owner.Decide(failure))
        {
            case Directive.Resume:
                _logger.LogWarning(failure, "Skipped a record that failed to deserialize at {Record} [Resume]", failure.Record);
                break;
            case Directive.Restart:
                _logger.LogWarning(failure, "A record failed to deserialize at {Record}; restarting the consumer [Restart]", failure.Record);
                route.Buffer.Fail(new ConsumerRestartRequested(failure));
                break;
            default:
                route.Buffer.Fail(failure);
                break;
        }
    }

    /// <summary>A non-fatal consume error (not about one record): every owner decides for itself.</summary>
    private void OnConsumeError(ConsumeException error)
    {
        foreach (var owner in _owners)
        {
            switch (owner.Decide(error))
            {
                case Directive.Resume:
                    _logger.LogWarning("Consume error {Code}: {Reason} [Resume]", error.Error.Code, error.Error.Reason);
                    break;
                case Directive.Restart:
                    _logger.LogWarning("Consume error {Code}: {Reason}; restarting the consumer [Restart]", error.Error.Code, error.Error.Reason);
                    owner.Failed(new ConsumerRestartRequested(error));
                    break;
                default:
                    _logger.LogError("Consume error {Code}: {Reason}; stopping the source [Stop]", error.Error.Code, error.Error.Reason);
                    owner.Failed(error);
                    break;
            }
        }
    }

    /// <summary>Pauses and resumes partitions as their buffers advise; returns whether any source wants records.</summary>
    private bool UpdatePausedPartitions()
    {
        var recordsWanted = _routes.Count == 0;
        foreach (var (partition, route) in _routes)
        {
            recordsWanted |= route.Buffer.WantsRecords();
            var pause = route.Buffer.ShouldPause();
            var fresh = _freshlyAssigned.Remove(partition);
            if (!pause && (_paused.Remove(partition) || fresh))
                _toResume.Add(partition);
            else if (pause && _paused.Add(partition))
                _toPause.Add(partition);
        }
        if (_toPause.Count > 0)
            _consumer.Pause(_toPause);
        if (_toResume.Count > 0)
            _consumer.Resume(_toResume);
        _toPause.Clear();
        _toResume.Clear();
        return recordsWanted;
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions)
    {
        var owner = _groupOwner ?? throw new InvalidOperationException("Group assignment without a group subscription.");
        var starts = owner.StartOffsets(partitions);
        var result = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            SetRoute(partition, new RouteEntry(owner, owner.Assigned(partition)));
            _paused.Remove(partition);
            _freshlyAssigned.Add(partition);
            result.Add(new TopicPartitionOffset(partition, starts is not null && starts.TryGetValue(partition, out var start) ? new Offset(start) : Offset.Unset));
        }
        _logger.LogInformation("Assigned {Partitions}", KafkaLog.Describe(partitions));
        KafkaTelemetry.Rebalanced("assigned", GroupId);
        if (_partitionHandlers.Count > 0)
        {
            var assigned = partitions.ToImmutableHashSet();
            foreach (var handler in _partitionHandlers)
                handler.OnAssign(assigned, _restricted);
        }
        return result;
    }

    private void OnReleased(List<TopicPartitionOffset> partitions, bool lost)
    {
        var released = new Dictionary<PartitionOwner<TKey, TValue>, HashSet<TopicPartition>>();
        foreach (var partition in partitions)
        {
            if (RemoveRoute(partition.TopicPartition, out var route))
            {
                route.Owner.Released(partition.TopicPartition, route.Buffer);
                if (!released.TryGetValue(route.Owner, out var set))
                    released[route.Owner] = set = [];
                set.Add(partition.TopicPartition);
            }
            _paused.Remove(partition.TopicPartition);
            _freshlyAssigned.Remove(partition.TopicPartition);
        }
        foreach (var (owner, set) in released)
            owner.ReleaseCompleted(set);
        _logger.LogInformation(lost ? "Lost {Partitions}" : "Revoked {Partitions}", KafkaLog.Describe(partitions.Select(p => p.TopicPartition)));
        KafkaTelemetry.Rebalanced(lost ? "lost" : "revoked", GroupId);
        if (_partitionHandlers.Count == 0)
            return;
        var releasedSet = partitions.ToImmutableHashSet();
        foreach (var handler in _partitionHandlers)
        {
            if (lost)
                handler.OnLost(releasedSet, _restricted);
            else
                handler.OnRevoke(releasedSet, _restricted);
        }
    }

    private void OnClientError(Error error)
    {
        _logger.LogKafkaClientError(error);
        if (error.IsFatal)
            _fatalError = AsConsumerFailure(new KafkaException(error));
        else if (IsAuthorizationFailure(error))
            _fatalError ??= NotAuthorized(error);
    }

    /// <summary>
    /// An ACL refusal: librdkafka reports it as a consumer error and keeps retrying, but nothing changes until someone
    /// grants the ACL, so the source fails instead of waiting silently (as Alpakka's consumer does on an
    /// AuthorizationException).
    /// </summary>
    private static bool IsAuthorizationFailure(Error error) =>
        error.Code is ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed;

    private KafkaConsumerFailedException NotAuthorized(Error error) => new(
        $"Kafka consumer {_consumer.Name}{(GroupId.Length > 0 ? $" of group '{GroupId}'" : "")} is not authorized ({error.Code}: {error.Reason}); " +
        $"its principal needs {AclNeeded(error.Code)}", new KafkaException(error));

    // librdkafka's reason names neither the group nor the ACL ("JoinGroup failed: Broker: Group authorization failed").
    private string AclNeeded(ErrorCode code) => code switch
    {
        ErrorCode.GroupAuthorizationFailed => $"an ACL allowing READ on the consumer group '{GroupId}'",
        ErrorCode.TopicAuthorizationFailed => "ACLs allowing READ (which implies DESCRIBE) on the topics it reads",
        _ => "the ACL on the cluster that the refused request needs",
    };

    private Exception AsConsumerFailure(Exception error) => error switch
    {
        KafkaConsumerFailedException or KafkaConnectionFailed => error,
        KafkaException { Error.IsFatal: true } fatal => new KafkaConsumerFailedException($"Kafka consumer {_consumer.Name} hit a fatal error {fatal.Error.Code}: {fatal.Error.Reason}", fatal),
        _ => new KafkaConsumerFailedException($"Kafka consumer {_consumer.Name} failed: {error.Message}", error),
    };

    private List<TopicPartitionOffset> StartOffsetsOf(IManualSubscription manual) => manual switch
    {
        AssignmentSubscription plain => plain.Assigned.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList(),
        AssignmentWithOffsetSubscription withOffsets => withOffsets.Offsets.ToList(),
        AssignmentOffsetsForTimesSubscription forTimes => _consumer.OffsetsForTimes(forTimes.Timestamps, _settings.MetadataRequestTimeout),
        _ => throw new ArgumentException($"Unknown manual subscription {manual}"),
    };

    /// <summary>Merges pending commits per partition (highest offset wins) and commits them in one request.</summary>
    private void CommitPending()
    {
        if (_commits.IsEmpty)
            return;
        var requests = new List<CommitRequest>();
        while (_commits.TryDequeue(out var request))
            requests.Add(request);
        var merged = new Dictionary<TopicPartition, long>();
        var dropped = new List<TopicPartitionOffset>();
        foreach (var offset in requests.SelectMany(r => r.Offsets))
        {
            if (!_routes.ContainsKey(offset.TopicPartition))
                dropped.Add(offset);
            else if (!merged.TryGetValue(offset.TopicPartition, out var existing) || existing < offset.Offset.Value)
                merged[offset.TopicPartition] = offset.Offset.Value;
        }
        if (dropped.Count > 0)
            LogDropped(dropped, "their partitions are no longer assigned to this consumer");
        try
        {
            if (merged.Count > 0)
            {
                CommitMeasured(merged.Select(m => new TopicPartitionOffset(m.Key, m.Value)));
                Interlocked.Add(ref _offsetsCommitted, merged.Count);
            }
            foreach (var request in requests)
                request.Completion.TrySetResult();
        }
        catch (KafkaException error) when (IsRebalanceError(error))
        {
            LogDropped(merged.Select(m => new TopicPartitionOffset(m.Key, m.Value)).ToList(), $"the group rejected it ({error.Error.Code}); the records will be read again");
            foreach (var request in requests)
                request.Completion.TrySetResult();
        }
        catch (KafkaException error)
        {
            _logger.LogError(error, "Commit failed");
            foreach (var request in requests)
                request.Completion.TrySetException(error);
        }
    }

    private void CommitMeasured(IEnumerable<TopicPartitionOffset> offsets)
    {
        var started = KafkaTelemetry.TimestampIfMeasured();
        try
        {
            _consumer.Commit(offsets);
        }
        catch (KafkaException error)
        {
            KafkaTelemetry.Committed(started, GroupId, error);
            throw;
        }
        KafkaTelemetry.Committed(started, GroupId, null);
    }

    private static bool IsRebalanceError(KafkaException error) =>
        RebalanceErrors.Contains(error.Error.Code)
        || (error is TopicPartitionOffsetException partitions && partitions.Results.All(r => !r.Error.IsError || RebalanceErrors.Contains(r.Error.Code)));

    private void LogDropped(IReadOnlyCollection<TopicPartitionOffset> offsets, string reason)
    {
        Interlocked.Add(ref _offsetsDropped, offsets.Count);
        _logger.LogInformation("Dropped commit of {Offsets} because {Reason}", KafkaLog.Describe(offsets), reason);
    }

    private void CloseConsumer()
    {
        RunCommands();
        CommitPending();
        try
        {
            var assigned = _routes.Keys.ToImmutableHashSet();
            foreach (var handler in _partitionHandlers)
                handler.OnStop(assigned, _restricted);
            _consumer.Close();
        }
        catch (KafkaException error)
        {
            _logger.LogWarning(error, "Closing the consumer failed");
        }
    }

    private void FailPendingCommits(Exception error)
    {
        while (_commits.TryDequeue(out var request))
            request.Completion.TrySetException(error);
    }

    private void DisposeConsumer()
    {
        ConsumerLag.Untrack(this);
        try
        {
            _consumer.Dispose();
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Disposing the consumer failed");
        }
        _terminated = true;
        DropPendingCommits();
        foreach (var (partition, route) in _routes)
            route.Owner.Released(partition, route.Buffer);
        _routes.Clear();
        _lastRoute = null;
    }

    /// <summary>Commits that raced with the close find no assignment any more: dropped, as for revoked partitions.</summary>
    private void DropPendingCommits()
    {
        while (_commits.TryDequeue(out var request))
        {
            LogDropped(request.Offsets, "the consumer is closed");
            request.Completion.TrySetResult();
        }
    }

    /// <summary>
    /// The connection checker: asks for the cluster's metadata every check interval; after a failure, again at
    /// intervals growing by the backoff factor, and when the retries have failed too, fails the consumer with
    /// <see cref="KafkaConnectionFailed"/>. The request shares the consumer's connections (a dependent admin client).
    /// </summary>
    private async Task CheckConnectionAsync(ConnectionCheckerSettings checker, CancellationToken cancellationToken)
    {
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        var interval = checker.CheckInterval;
        var failures = 0;
        try
        {
            while (true)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Run(() => admin.GetMetadata(_settings.MetadataRequestTimeout), cancellationToken).ConfigureAwait(false);
                    failures = 0;
                    interval = checker.CheckInterval;
                }
                catch (KafkaException error)
                {
                    if (++failures > checker.MaxRetries)
                    {
                        _fatalError = new KafkaConnectionFailed(failures, error);
                        _wake.Set();
                        return;
                    }
                    interval = TimeSpan.FromTicks((long)(interval.Ticks * checker.Factor));
                    _logger.LogWarning("Connection check {Attempt} of {Attempts} failed ({Reason}); checking again in {Interval}",
                        failures, checker.MaxRetries + 1, error.Error.Reason, interval);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The consumer closed.
        }
    }

    private readonly record struct Command(Action Run, Action Abandon);

    private readonly record struct RouteEntry(PartitionOwner<TKey, TValue> Owner, PartitionBuffer<TKey, TValue> Buffer);

    private sealed class CommitRequest(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        public IReadOnlyList<TopicPartitionOffset> Offsets { get; } = offsets;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
