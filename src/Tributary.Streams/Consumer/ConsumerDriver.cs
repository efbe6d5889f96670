using System.Collections.Concurrent;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams;

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

    private readonly ConsumerSettings<TKey, TValue> settings;
    private readonly ILogger logger;
    private readonly IConsumer<TKey, TValue> consumer;
    private readonly RestrictedConsumer<TKey, TValue> restricted;
    private readonly Thread thread;
    private readonly ManualResetEventSlim wake = new(false);
    private readonly ConcurrentQueue<Action> commands = new();
    private readonly ConcurrentQueue<CommitRequest> commits = new();
    private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Poll-thread state.
    private readonly Dictionary<TopicPartition, RouteEntry> routes = new();
    private readonly HashSet<TopicPartition> paused = new();
    // Resumed explicitly on their first round: a partition paused before it was revoked must not stay paused in
    // librdkafka once it is assigned again.
    private readonly HashSet<TopicPartition> freshlyAssigned = new();
    private readonly List<TopicPartition> toPause = new();
    private readonly List<TopicPartition> toResume = new();
    private readonly List<PartitionBuffer<TKey, TValue>> touched = new();
    private readonly HashSet<PartitionOwner<TKey, TValue>> owners = new();
    private IAutoSubscription? subscription;
    private PartitionOwner<TKey, TValue>? groupOwner;

    private volatile bool closeRequested;
    private volatile Exception? fatalError;
    private volatile string? statistics;
    private long recordsConsumed;
    private long offsetsCommitted;
    private long offsetsDropped;

    public ConsumerDriver(ConsumerSettings<TKey, TValue> settings)
    {
        this.settings = settings;
        logger = settings.Logger;
        GroupId = settings.GroupId ?? "";
        var builder = new ConsumerBuilder<TKey, TValue>(settings.ToConsumerConfig())
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnReleased(partitions, lost: false))
            .SetPartitionsLostHandler((_, partitions) => OnReleased(partitions, lost: true))
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) => logger.LogKafkaClientMessage(message))
            .SetStatisticsHandler((_, json) => statistics = json);
        if (settings.KeyDeserializer is not null)
            builder.SetKeyDeserializer(settings.KeyDeserializer);
        if (settings.ValueDeserializer is not null)
            builder.SetValueDeserializer(settings.ValueDeserializer);
        consumer = builder.Build();
        restricted = new RestrictedConsumer<TKey, TValue>(consumer);
        thread = new Thread(Run) { IsBackground = true, Name = $"kafka-poll-{consumer.Name}" };
    }

    public string GroupId { get; }

    /// <summary>
    /// The group metadata (member id, generation) to send with offsets in a transaction (KIP-447); null without a
    /// group. librdkafka takes its own lock, so any thread may read it.
    /// </summary>
    public IConsumerGroupMetadata? GroupMetadata => GroupId.Length == 0 ? null : consumer.ConsumerGroupMetadata;

    /// <summary>Completes when the consumer has been closed and the poll thread has ended.</summary>
    public Task Closed => closed.Task;

    /// <summary>Starts polling. A group subscription, if any, must be given before.</summary>
    public void Start() => thread.Start();

    /// <summary>Subscribes through the consumer group; all assigned partitions go to <paramref name="owner"/>.</summary>
    public void Subscribe(IAutoSubscription autoSubscription, PartitionOwner<TKey, TValue> owner)
    {
        // Called before Start, so the poll thread does not exist yet; it must know the owner even if Subscribe fails.
        subscription = autoSubscription;
        groupOwner = owner;
        owners.Add(owner);
    }

    /// <summary>Assigns the partitions of a manual subscription and routes them to <paramref name="owner"/>.</summary>
    public void Attach(IManualSubscription manual, PartitionOwner<TKey, TValue> owner) => Enqueue(() =>
    {
        owners.Add(owner);
        var offsets = StartOffsetsOf(manual);
        foreach (var offset in offsets)
            routes[offset.TopicPartition] = new RouteEntry(owner, owner.Assigned(offset.TopicPartition));
        consumer.IncrementalAssign(offsets);
        logger.LogInformation("Assigned {Partitions}", KafkaLog.Describe(offsets));
    });

    /// <summary>Unassigns the partitions routed to <paramref name="owner"/>.</summary>
    public void Detach(PartitionOwner<TKey, TValue> owner) => Enqueue(() =>
    {
        owners.Remove(owner);
        var mine = routes.Where(r => r.Value.Owner == owner).Select(r => r.Key).ToList();
        foreach (var partition in mine)
        {
            if (routes.Remove(partition, out var route))
                route.Owner.Released(partition, route.Buffer);
            paused.Remove(partition);
        }
        if (mine.Count > 0)
            consumer.IncrementalUnassign(mine);
    });

    /// <summary>Wakes the poll thread if it waits with all partitions paused.</summary>
    public void Wake() => wake.Set();

    /// <summary>Asks the poll thread to commit what is pending, close the consumer and end.</summary>
    public Task CloseAsync()
    {
        closeRequested = true;
        wake.Set();
        if ((thread.ThreadState & ThreadState.Unstarted) != 0)
        {
            consumer.Dispose();
            closed.TrySetResult();
        }
        return closed.Task;
    }

    /// <inheritdoc />
    public async Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        if (closed.Task.IsCompleted)
        {
            LogDropped(offsets, "the consumer is closed");
            return;
        }
        var request = new CommitRequest(offsets);
        commits.Enqueue(request);
        wake.Set();
        try
        {
            await request.Completion.Task.WaitAsync(settings.CommitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CommitTimeoutException($"Commit of {KafkaLog.Describe(offsets)} was not acknowledged within {settings.CommitTimeout}.");
        }
    }

    /// <summary>A snapshot of assignment and counters, taken on the poll thread.</summary>
    public Task<ConsumerMetrics> GetMetricsAsync()
    {
        if (closed.Task.IsCompleted)
            return Task.FromResult(Snapshot([], []));
        var result = new TaskCompletionSource<ConsumerMetrics>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() => result.TrySetResult(Snapshot(routes.Keys.ToList(), paused.ToList())));
        return result.Task;
    }

    private ConsumerMetrics Snapshot(IReadOnlyList<TopicPartition> assigned, IReadOnlyList<TopicPartition> pausedNow) =>
        new(assigned, pausedNow, Interlocked.Read(ref recordsConsumed), Interlocked.Read(ref offsetsCommitted), Interlocked.Read(ref offsetsDropped), statistics);

    private void Enqueue(Action command)
    {
        commands.Enqueue(command);
        wake.Set();
    }

    private void Run()
    {
        try
        {
            if (subscription is TopicSubscription topics)
                consumer.Subscribe(topics.Topics);
            else if (subscription is TopicPatternSubscription pattern)
                consumer.Subscribe(pattern.Pattern);
            while (!closeRequested)
            {
                RunCommands();
                CommitPending();
                PollBatch(UpdatePausedPartitions());
                if (fatalError is { } fatal)
                    throw fatal;
            }
            CloseConsumer();
        }
        catch (Exception error)
        {
            var failure = AsConsumerFailure(error);
            logger.LogError(error, "Kafka consumer {Name} failed", consumer.Name);
            foreach (var owner in owners)
                owner.Failed(failure);
            FailPendingCommits(failure);
        }
        finally
        {
            DisposeConsumer();
            foreach (var owner in owners)
                owner.Closed();
            closed.TrySetResult();
        }
    }

    private void RunCommands()
    {
        while (commands.TryDequeue(out var command))
            command();
    }

    private void PollBatch(bool recordsWanted)
    {
        // When no source wants records, Consume only serves librdkafka's callbacks: take at most one record.
        var limit = recordsWanted ? settings.MaxPollRecords : 1;
        var record = Consume(ChooseTimeout(recordsWanted));
        var count = 0;
        while (record is not null)
        {
            Route(record);
            if (++count >= limit)
                break;
            record = Consume(TimeSpan.Zero);
        }
        if (count > 0)
            Interlocked.Add(ref recordsConsumed, count);
        foreach (var buffer in touched)
        {
            buffer.TouchedInBatch = false;
            buffer.Publish();
        }
        touched.Clear();
    }

    /// <summary>
    /// Blocks in Consume while some source wants records (librdkafka wakes it when records arrive). When none does,
    /// Consume would only hand over records nobody asked for, so the thread waits on <see cref="wake"/> instead,
    /// which stages set when they drain a buffer or send a commit; a short Consume then serves rebalance callbacks.
    /// </summary>
    private TimeSpan ChooseTimeout(bool recordsWanted)
    {
        if (!commands.IsEmpty || !commits.IsEmpty || closeRequested)
            return TimeSpan.Zero;
        if (!recordsWanted)
        {
            wake.Wait(settings.PollInterval);
            wake.Reset();
            return TimeSpan.Zero;
        }
        wake.Reset();
        return settings.PollInterval;
    }

    private ConsumeResult<TKey, TValue>? Consume(TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException error) when (error.Error.Code is ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization)
        {
            OnDeserializationFailure(error);
            return null;
        }
        catch (ConsumeException error) when (!error.Error.IsFatal)
        {
            logger.LogWarning("Consume error {Code}: {Reason}", error.Error.Code, error.Error.Reason);
            return null;
        }
    }

    private void Route(ConsumeResult<TKey, TValue> record)
    {
        if (!routes.TryGetValue(record.TopicPartition, out var route))
        {
            logger.LogWarning("Dropped a record of unassigned partition {Partition}", KafkaLog.Describe([record.TopicPartition]));
            return;
        }
        route.Buffer.Add(record);
        if (!route.Buffer.TouchedInBatch)
        {
            route.Buffer.TouchedInBatch = true;
            touched.Add(route.Buffer);
        }
    }

    private void OnDeserializationFailure(ConsumeException error)
    {
        var record = error.ConsumerRecord.TopicPartitionOffset;
        var failure = new KafkaDeserializationException(record, error.Error.Code == ErrorCode.Local_KeyDeserialization, error.InnerException);
        if (settings.DeserializationDecider?.Invoke(failure) == Directive.Resume)
        {
            logger.LogWarning(failure, "Skipped a record that failed to deserialize at {Record}", record);
            return;
        }
        if (routes.TryGetValue(record.TopicPartition, out var route))
            route.Buffer.Fail(failure);
        else
            throw failure;
    }

    /// <summary>Pauses and resumes partitions as their buffers advise; returns whether any source wants records.</summary>
    private bool UpdatePausedPartitions()
    {
        var recordsWanted = routes.Count == 0;
        foreach (var (partition, route) in routes)
        {
            recordsWanted |= route.Buffer.WantsRecords();
            var pause = route.Buffer.ShouldPause();
            var fresh = freshlyAssigned.Remove(partition);
            if (!pause && (paused.Remove(partition) || fresh))
                toResume.Add(partition);
            else if (pause && paused.Add(partition))
                toPause.Add(partition);
        }
        if (toPause.Count > 0)
            consumer.Pause(toPause);
        if (toResume.Count > 0)
            consumer.Resume(toResume);
        toPause.Clear();
        toResume.Clear();
        return recordsWanted;
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions)
    {
        var owner = groupOwner ?? throw new InvalidOperationException("Group assignment without a group subscription.");
        var starts = owner.StartOffsets(partitions);
        var result = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            routes[partition] = new RouteEntry(owner, owner.Assigned(partition));
            paused.Remove(partition);
            freshlyAssigned.Add(partition);
            result.Add(new TopicPartitionOffset(partition, starts is not null && starts.TryGetValue(partition, out var start) ? new Offset(start) : Offset.Unset));
        }
        logger.LogInformation("Assigned {Partitions}", KafkaLog.Describe(partitions));
        settings.PartitionHandler?.OnAssign(partitions, restricted);
        return result;
    }

    private void OnReleased(List<TopicPartitionOffset> partitions, bool lost)
    {
        var released = new Dictionary<PartitionOwner<TKey, TValue>, HashSet<TopicPartition>>();
        foreach (var partition in partitions)
        {
            if (routes.Remove(partition.TopicPartition, out var route))
            {
                route.Owner.Released(partition.TopicPartition, route.Buffer);
                if (!released.TryGetValue(route.Owner, out var set))
                    released[route.Owner] = set = [];
                set.Add(partition.TopicPartition);
            }
            paused.Remove(partition.TopicPartition);
            freshlyAssigned.Remove(partition.TopicPartition);
        }
        foreach (var (owner, set) in released)
            owner.ReleaseCompleted(set);
        logger.LogInformation(lost ? "Lost {Partitions}" : "Revoked {Partitions}", KafkaLog.Describe(partitions.Select(p => p.TopicPartition)));
        if (lost)
            settings.PartitionHandler?.OnLost(partitions, restricted);
        else
            settings.PartitionHandler?.OnRevoke(partitions, restricted);
    }

    private void OnClientError(Error error)
    {
        logger.LogKafkaClientError(error);
        if (error.IsFatal)
            fatalError = AsConsumerFailure(new KafkaException(error));
    }

    private KafkaConsumerFailedException AsConsumerFailure(Exception error) => error switch
    {
        KafkaConsumerFailedException failure => failure,
        KafkaException { Error.IsFatal: true } fatal => new KafkaConsumerFailedException($"Kafka consumer {consumer.Name} hit a fatal error {fatal.Error.Code}: {fatal.Error.Reason}", fatal),
        _ => new KafkaConsumerFailedException($"Kafka consumer {consumer.Name} failed: {error.Message}", error),
    };

    private List<TopicPartitionOffset> StartOffsetsOf(IManualSubscription manual) => manual switch
    {
        AssignmentSubscription plain => plain.Assigned.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList(),
        AssignmentWithOffsetSubscription withOffsets => withOffsets.Offsets.ToList(),
        AssignmentOffsetsForTimesSubscription forTimes => consumer.OffsetsForTimes(forTimes.Timestamps, settings.MetadataRequestTimeout),
        _ => throw new ArgumentException($"Unknown manual subscription {manual}"),
    };

    /// <summary>Merges pending commits per partition (highest offset wins) and commits them in one request.</summary>
    private void CommitPending()
    {
        if (commits.IsEmpty)
            return;
        var requests = new List<CommitRequest>();
        while (commits.TryDequeue(out var request))
            requests.Add(request);
        var merged = new Dictionary<TopicPartition, long>();
        var dropped = new List<TopicPartitionOffset>();
        foreach (var offset in requests.SelectMany(r => r.Offsets))
        {
            if (!routes.ContainsKey(offset.TopicPartition))
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
                consumer.Commit(merged.Select(m => new TopicPartitionOffset(m.Key, m.Value)));
                Interlocked.Add(ref offsetsCommitted, merged.Count);
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
            logger.LogError(error, "Commit failed");
            foreach (var request in requests)
                request.Completion.TrySetException(error);
        }
    }

    private static bool IsRebalanceError(KafkaException error) =>
        RebalanceErrors.Contains(error.Error.Code)
        || (error is TopicPartitionOffsetException partitions && partitions.Results.All(r => !r.Error.IsError || RebalanceErrors.Contains(r.Error.Code)));

    private void LogDropped(IReadOnlyCollection<TopicPartitionOffset> offsets, string reason)
    {
        Interlocked.Add(ref offsetsDropped, offsets.Count);
        logger.LogInformation("Dropped commit of {Offsets} because {Reason}", KafkaLog.Describe(offsets), reason);
    }

    private void CloseConsumer()
    {
        RunCommands();
        CommitPending();
        try
        {
            settings.PartitionHandler?.OnStop(routes.Keys.ToList(), restricted);
            consumer.Close();
        }
        catch (KafkaException error)
        {
            logger.LogWarning(error, "Closing the consumer failed");
        }
    }

    private void FailPendingCommits(Exception error)
    {
        while (commits.TryDequeue(out var request))
            request.Completion.TrySetException(error);
    }

    private void DisposeConsumer()
    {
        try
        {
            consumer.Dispose();
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Disposing the consumer failed");
        }
        // Commits that raced with the close find no assignment any more: dropped, as for revoked partitions.
        while (commits.TryDequeue(out var request))
        {
            LogDropped(request.Offsets, "the consumer is closed");
            request.Completion.TrySetResult();
        }
        foreach (var (partition, route) in routes)
            route.Owner.Released(partition, route.Buffer);
        routes.Clear();
    }

    private readonly record struct RouteEntry(PartitionOwner<TKey, TValue> Owner, PartitionBuffer<TKey, TValue> Buffer);

    private sealed class CommitRequest(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        public IReadOnlyList<TopicPartitionOffset> Offsets { get; } = offsets;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
