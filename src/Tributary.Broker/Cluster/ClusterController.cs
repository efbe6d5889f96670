using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Log;
using Tributary.Broker.Log.Storage;
using Tributary.Broker.Replication;
using Tributary.Protocol;
using Tributary.Protocol.Records;

using Tributary.Broker.Metrics;

namespace Tributary.Broker.Cluster;

/// <summary>
/// The cluster's metadata in one place, as KRaft's controller keeps it: brokers and their liveness, topics,
/// partitions, replicas, ISR, leaders and leader epochs, topic configs. Reads are lock-free; changes are
/// serialized under the controller's lock, and every change of a partition is one new immutable
/// <see cref="PartitionLeadership"/>.
/// </summary>
/// <remarks>
/// <para><b>Threading model of the broker.</b> Each client connection runs its requests one at a time on the
/// thread pool (a long poll or an acks=all produce awaits, it never blocks a thread), starting on the thread that
/// accepted it, and sends their answers in request order (those to requests the client sent together, in one send). Handlers are stateless and
/// reach shared state through the <c>RequestContext</c>. Each broker has one <see cref="ReplicaFetcher"/> loop
/// that copies its follower replicas from their leaders. Timers (on the cluster's TimeProvider) run the ISR lag
/// check (here), transaction timeouts and group session expiry. Log maintenance (<see cref="RetentionTimer"/>: only the
/// ticks that can find work) runs on the cluster's <c>Log maintenance</c> thread once the logs have had work, one check at
/// a time (before that, and on another TimeProvider, on the clock's timers). A long-polling fetch that no append ends is answered at its max wait by the process's one
/// deadline thread (<see cref="FetchDeadlines"/>), which runs that fetch's continuation itself.</para>
/// <para><b>One writer per piece of shared state.</b> Broker liveness (<see cref="BrokerNode.IsAlive"/>),
/// the broker list, isolation (network partitions and the fencing that follows), leadership, leader epochs and
/// ISR: this controller, under its lock. Leadership changes go through <see cref="Elect"/> (elections) and
/// <see cref="MoveLeader"/> (a chosen leader: moves, preferred elections), both published by <see cref="Publish"/>. A leader replica's log: the produce handler
/// and the transaction coordinator's markers (through <see cref="PartitionState"/>, checked against the leader
/// epoch under the log's lock). A follower replica's log: its broker's replica fetcher alone (its loop, or the thread of a producer's request copying
/// that append at once), one copy at a time under the fetcher's copy lock. Replica sets
/// (reassignments): this controller, under its lock; a replica's log exists before any leadership names it, and a
/// replica moved away keeps its (emptied) log object, so a reader holding an older leadership always finds its logs. The high watermark
/// of a leader: its <see cref="PartitionState"/>, under the partition's lock, from follower progress. Group state:
/// the group coordinator, under its lock. Transaction state: the transaction coordinator, under its lock. Both write
/// it to their internal topics' leader logs (through <see cref="PartitionState"/>, like a produce) and rebuild a
/// partition's state from its new leader's log on the thread pool after an election (<see cref="LeaderElected"/>;
/// never under this lock). With a data directory, a replica's files (<see cref="PartitionFiles"/>): its log, under the
/// log's lock (the roll's background fsync only forces closed files to disk); which replica directories exist and the
/// clean shutdown markers: <see cref="LogStorage"/>, under its lock; the metadata file: <see cref="ClusterMetadataFile"/>,
/// under its lock, written after every change of what it keeps. Log chunk memory (<see cref="LogChunk"/>): each
/// chunk's count of holders, changed atomically by the logs (under their locks), fetch requests (by the connection, once their response is
/// sent) and replica fetchers (after appending); the memory a chunk gives back: <see cref="LogChunkPool"/>, under its
/// lock; the huge-page slabs that memory is cut from: <see cref="ChunkMemory"/>, under its lock.</para>
/// <para><b>Lock order</b> (never take an earlier lock while holding a later one): transactions -> groups ->
/// controller -> partition -> replica log (the coordinators create their internal topic and append to it under their
/// own locks); controller -> log storage -> replica log (opening a replica); controller -> metadata file (the
/// authorizer calls it after releasing its own lock); a replica fetcher holds no lock while it calls the
/// controller (under its copy lock it takes partition and log locks one at a time; a producer's thread only tries the copy
/// lock, so it never waits for it); the log chunk pool's lock and then the chunk memory's are the last of all (a log
/// releasing a chunk under its own lock returns memory to the pool, which gives what it cannot keep to the chunk memory,
/// which calls out to nothing). Events raised by a log (fetch and acks waiters)
/// run outside its lock or take only other logs' locks.</para>
/// </remarks>
internal sealed class ClusterController : IAsyncDisposable
{
    private const int MaxTopicNameLength = 249;

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _topicsById = new();
    private readonly Dictionary<PartitionState, List<PendingMarker>> _pendingMarkers = new();
    private readonly Dictionary<PartitionState, List<PendingMarker>> _unreplicatedMarkers = new();
    private readonly ConcurrentDictionary<int, ReplicaFetcher> _fetchers;
    private readonly ConcurrentDictionary<int, ITimer> _isolated = new(); // written under the lock
    private readonly HashSet<int> _fencedByIsolation = [];
    private readonly ITimer _isrCheck;
    private readonly RetentionTimer _retention;
    private volatile IReadOnlyList<BrokerNode> _brokers;
    private readonly ILogger _logger;
    private readonly LogStorage? _storage;
    private int _nextPlacement;
    private long _nextProducerId;
    private long _producerIdBlockEnd = long.MaxValue; // with a data directory: the end of the block of ids the metadata file reserved

    private volatile ClusterSettings _settings;

    /// <param name="settings">The cluster's settings.</param>
    /// <param name="brokers">The brokers.</param>
    /// <param name="logger">The cluster's logger.</param>
    /// <param name="storage">The data directory, or null to keep every log in memory.</param>
    /// <param name="clusterId">The cluster id (from a data directory's metadata), or null for a new random one.</param>
    public ClusterController(ClusterSettings settings, IEnumerable<BrokerNode> brokers, ILogger logger, LogStorage? storage = null, string? clusterId = null)
    {
        _settings = settings;
        _storage = storage;
        if (storage is not null) _producerIdBlockEnd = 0;
        ClusterId = clusterId ?? Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _brokers = brokers.OrderBy(b => b.Id).ToList();
        _logger = logger;
        _fetchers = new ConcurrentDictionary<int, ReplicaFetcher>(_brokers.ToDictionary(b => b.Id, b => new ReplicaFetcher(b, this, logger)));
        // Kafka checks for lagging followers every replica.lag.time.max.ms / 2.
        var checkInterval = TimeSpan.FromTicks(Math.Max(settings.ReplicaLagTimeMax.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));
        _isrCheck = settings.Time.CreateTimer(_ => ShrinkIsrs(), null, checkInterval, checkInterval);
        _retention = new RetentionTimer(settings.Time, settings.RetentionCheckInterval, ApplyRetention);
        Coordinators = new CoordinatorPlacement(this, logger);
    }

    /// <summary>Which broker coordinates each group and transactional id: the leader of the key's internal-topic partition.</summary>
    public CoordinatorPlacement Coordinators { get; }

    /// <summary>
    /// Raised under the controller's lock when a partition gets a new leader (a new leader epoch with a leader); the
    /// handler must only schedule work (the coordinators start loading an internal partition).
    /// </summary>
    public event Action<PartitionState>? LeaderElected;

    /// <summary>Cluster-wide settings; replaced as a whole when a dynamic broker config changes.</summary>
    public ClusterSettings Settings => _settings;

    /// <summary>A random id in Kafka's format (22 URL-safe base64 characters).</summary>
    public string ClusterId { get; }

    /// <summary>
    /// Called after every change the cluster metadata file keeps (topics, partitions, replica sets, topic and dynamic
    /// broker configs, producer id blocks), possibly under the controller's lock; a no-op without a data directory.
    /// </summary>
    public Action MetadataChanged { get; set; } = () => { };

    /// <summary>The first producer id not yet reserved in the metadata file (with a data directory).</summary>
    public long ProducerIdBlockEnd => Interlocked.Read(ref _producerIdBlockEnd);

    /// <summary>Every broker, running or stopped, by id (one immutable snapshot, replaced when a broker is added or removed).</summary>
    public IReadOnlyList<BrokerNode> Brokers => _brokers;

    /// <summary>The running brokers, by id.</summary>
    public IEnumerable<BrokerNode> LiveBrokers => Brokers.Where(b => b.IsAlive);

    /// <summary>The controller clients send admin requests to: the live broker with the lowest id, or -1.</summary>
    public int ControllerId => LiveBrokers.Select(b => b.Id).DefaultIfEmpty(-1).First();

    /// <summary>All topics.</summary>
    public ICollection<TopicState> Topics => _topics.Values;

    /// <summary>The broker with id <paramref name="id"/>, or null.</summary>
    public BrokerNode? Broker(int id) => Brokers.FirstOrDefault(b => b.Id == id);

    /// <summary>Looks a topic up by name.</summary>
    public bool TryGetTopic(string name, [NotNullWhen(true)] out TopicState? topic) => _topics.TryGetValue(name, out topic);

    /// <summary>Looks a topic up by id.</summary>
    public bool TryGetTopic(Guid id, [NotNullWhen(true)] out TopicState? topic) => _topicsById.TryGetValue(id, out topic);

    /// <summary>The partition, or null when the topic or partition does not exist.</summary>
    public PartitionState? FindPartition(string topic, int partition) =>
        _topics.TryGetValue(topic, out var state) ? state.Partition(partition) : null;

    /// <summary>A new producer id for InitProducerId (unique for the life of the cluster).</summary>
    /// <remarks>
    /// With a data directory ids come from blocks reserved in the metadata file before the first of them is handed
    /// out, so a restarted cluster never hands out an id a producer before the restart had (its state is in the logs).
    /// </remarks>
    public long NextProducerId()
    {
        var id = Interlocked.Increment(ref _nextProducerId);
        if (id < Interlocked.Read(ref _producerIdBlockEnd)) return id;
        lock (_lock)
        {
            if (id >= _producerIdBlockEnd)
            {
                Interlocked.Exchange(ref _producerIdBlockEnd, id + ClusterMetadataFile.ProducerIdBlockSize);
                MetadataChanged();
            }
        }
        return id;
    }

    /// <summary>Creates a topic (or only checks that it could be created, when <paramref name="validateOnly"/>).</summary>
    public ControllerResult CreateTopic(TopicSpec spec, bool validateOnly = false)
    {
        lock (_lock)
        {
            var nameError = ValidateTopicName(spec.Name);
            if (nameError is not null) return ControllerResult.Fail(ErrorCode.InvalidTopicException, nameError);
            // KRaft's metadata log is a topic only inside the controllers; Kafka refuses its name so.
            if (spec.Name == TopicState.ClusterMetadataTopic)
                return ControllerResult.Fail(ErrorCode.InvalidRequest, $"Creation of internal topic {TopicState.ClusterMetadataTopic} is prohibited.");
            if (_topics.ContainsKey(spec.Name)) return ControllerResult.Fail(ErrorCode.TopicAlreadyExists, $"Topic '{spec.Name}' already exists.");

            var configError = TopicConfig.Validate(spec.Configs ?? new Dictionary<string, string?>());
            if (configError is not null) return ControllerResult.Fail(ErrorCode.InvalidConfig, configError);

            var assignment = spec.Assignments is null
                ? PlaceReplicas(spec.Partitions == -1 ? Settings.DefaultPartitions : spec.Partitions,
                    spec.ReplicationFactor == -1 ? Settings.DefaultReplicationFactor : spec.ReplicationFactor, firstPartition: 0)
                : CheckAssignments(spec);
            if (assignment.Error.Error != ErrorCode.None) return assignment.Error;
            if (validateOnly) return ControllerResult.Ok();

            var id = Guid.NewGuid();
            var config = Settings.TopicDefaults.With(spec.Configs ?? new Dictionary<string, string?>());
            var partitions = assignment.Replicas.Select((replicas, index) => NewPartition(spec.Name, id, config, index, replicas)).ToList();
            var topic = new TopicState(spec.Name, id, partitions, config);
            _topics[topic.Name] = topic;
            _topicsById[topic.Id] = topic;
            MetadataChanged();
            _logger.LogInformation("Created topic {Topic} ({Id}) with {Partitions} partitions", topic.Name, topic.Id, partitions.Count);
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>
    /// Creates Kafka's internal topic <paramref name="name"/> (<c>__consumer_offsets</c> or <c>__transaction_state</c>)
    /// as Kafka does on first use: compacted, with the configured partitions and a replication factor of at most the
    /// running brokers. Returns the topic (another caller may have created it), or null when no broker runs.
    /// </summary>
    public TopicState? CreateInternalTopic(string name, int partitions, short replicationFactor)
    {
        var live = LiveBrokers.Count();
        if (live == 0) return null;
        var configs = new Dictionary<string, string?> { ["cleanup.policy"] = "compact", ["compression.type"] = "producer" };
        var created = CreateTopic(new TopicSpec(name, partitions, (short)Math.Min(replicationFactor, live), Configs: configs));
        return created.Topic ?? (_topics.TryGetValue(name, out var existing) ? existing : null);
    }

    /// <summary>
    /// The topic for a Metadata request: existing, or created with the cluster defaults when auto-creation is
    /// on and the client allows it (an internal topic always, as its coordinators create it). Returns
    /// UNKNOWN_TOPIC_OR_PARTITION otherwise.
    /// </summary>
    public ControllerResult GetOrAutoCreate(string name, bool clientAllowsAutoCreate)
    {
        if (_topics.TryGetValue(name, out var topic)) return ControllerResult.Ok(topic);
        // Kafka creates its internal topics on a Metadata request too, whatever auto-creation says, and only as internal topics.
        if (CoordinatorPlacement.TypeOfTopic(name) is { } type)
            return Coordinators.Topic(type) is { } internalTopic ? ControllerResult.Ok(internalTopic) : ControllerResult.Fail(ErrorCode.LeaderNotAvailable, "No broker is running.");
        if (!Settings.AutoCreateTopics || !clientAllowsAutoCreate)
            return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
        var created = CreateTopic(new TopicSpec(name));
        // Another request may have created it in the meantime.
        return created.Error == ErrorCode.TopicAlreadyExists && _topics.TryGetValue(name, out topic) ? ControllerResult.Ok(topic) : created;
    }

    /// <summary>Deletes a topic and its data.</summary>
    public ControllerResult DeleteTopic(string name)
    {
        lock (_lock)
        {
            if (!_topics.TryRemove(name, out var topic)) return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            _topicsById.TryRemove(topic.Id, out _);
            // Kafka deletes a deleted topic's logs: their files, and in memory their chunks, which go back to the pool
            // once no fetch still holds them (LogChunkPool).
            foreach (var log in topic.Partitions.SelectMany(p => p.Logs)) log.Close(deleteFiles: true);
            MetadataChanged();
            _logger.LogInformation("Deleted topic {Topic}", name);
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>Raises a topic's partition count to <paramref name="totalCount"/> (CreatePartitions).</summary>
    public ControllerResult CreatePartitions(string name, int totalCount, IReadOnlyList<IReadOnlyList<int>>? assignments, bool validateOnly = false)
    {
        lock (_lock)
        {
            if (!_topics.TryGetValue(name, out var topic)) return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            var current = topic.Partitions.Count;
            if (totalCount <= current)
                return ControllerResult.Fail(ErrorCode.InvalidPartitions, $"Topic currently has {current} partitions, {totalCount} would not be an increase.");
            var added = totalCount - current;
            var replicationFactor = (short)topic.Partitions[0].Leadership.TargetReplicas.Count;
            Placement placement;
            if (assignments is null) placement = PlaceReplicas(added, replicationFactor, current);
            else if (assignments.Count != added)
                return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, $"Increasing the number of partitions by {added} but {assignments.Count} assignments provided.");
            else placement = CheckReplicaLists(assignments);
            if (placement.Error.Error != ErrorCode.None) return placement.Error;
            if (validateOnly) return ControllerResult.Ok(topic);

            topic.AddPartitions(placement.Replicas.Select((replicas, i) => NewPartition(name, topic.Id, topic.Config, current + i, replicas)));
            MetadataChanged();
            _logger.LogInformation("Topic {Topic} now has {Partitions} partitions", name, totalCount);
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>Checks and applies config changes to a topic; a null value restores the default.</summary>
    public ControllerResult AlterTopicConfig(string name, Func<TopicConfig, IEnumerable<KeyValuePair<string, string?>>> changes, bool validateOnly)
    {
        lock (_lock)
        {
            if (!_topics.TryGetValue(name, out var topic)) return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            var list = changes(topic.Config).ToList();
            var error = TopicConfig.Validate(list);
            if (error is not null) return ControllerResult.Fail(ErrorCode.InvalidConfig, error);
            if (validateOnly) return ControllerResult.Ok(topic);
            topic.Config = topic.Config.With(list);
            _retention.Touch();
            MetadataChanged();
            ElectLeaderless();
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>
    /// Replaces the dynamic broker configs (DYNAMIC_BROKER_CONFIG when <paramref name="perBroker"/>, else the
    /// cluster-wide defaults, DYNAMIC_DEFAULT_BROKER_CONFIG) with <paramref name="configs"/>, or only checks them when
    /// <paramref name="validateOnly"/>: every name must be a dynamic broker config and every value valid (else
    /// INVALID_REQUEST, as Kafka answers, naming the configs that cannot change at run time). Every topic's configs
    /// then default to the new values.
    /// </summary>
    public ControllerResult AlterBrokerConfigs(bool perBroker, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        var fixedNames = configs.Keys.Where(name => BrokerConfigCatalog.Find(name) is { IsDynamic: false }).ToList();
        if (fixedNames.Count > 0)
            return ControllerResult.Fail(ErrorCode.InvalidRequest, $"Cannot update these configs dynamically: Set({string.Join(", ", fixedNames)})");
        foreach (var (name, value) in configs)
        {
            if (BrokerConfigCatalog.Problem(name, value) is { } problem) return ControllerResult.Fail(ErrorCode.InvalidRequest, problem);
        }
        if (validateOnly) return ControllerResult.Ok();
        lock (_lock)
        {
            var settings = _settings.WithDynamicConfigs(perBroker, configs);
            _settings = settings;
            foreach (var topic in _topics.Values) topic.Config = topic.Config.Rebase(settings.TopicDefaults);
            _retention.Touch();
            MetadataChanged();
            ElectLeaderless();
        }
        _logger.LogInformation("Dynamic {Level} configs are now {Configs}", perBroker ? "broker" : "cluster-wide default",
            string.Join(", ", configs.Select(c => $"{c.Key}={c.Value}")));
        return ControllerResult.Ok();
    }

    /// <summary>
    /// Elects a leader for each leaderless partition that can have one now (under the lock): after a config change,
    /// so that turning unclean.leader.election.enable on brings an offline partition back at once, as Kafka's
    /// controller does when the config changes rather than at its next periodic check.
    /// </summary>
    private void ElectLeaderless()
    {
        foreach (var partition in AllPartitions().Where(p => p.Leadership.Leader < 0))
        {
            var elected = Elect(partition, partition.Leadership);
            if (elected.Leader >= 0) Publish(partition, elected);
        }
    }

    /// <summary>
    /// Fences a broker (it stopped or crashed): it leaves every ISR, and the partitions it led get a new leader
    /// from the live in-sync replicas (a new leader epoch); with none, an out-of-sync live replica when
    /// unclean.leader.election.enable allows it, else no leader until one returns. The broker's logs are kept.
    /// </summary>
    public void StopBroker(int id)
    {
        lock (_lock)
        {
            var broker = Broker(id) ?? throw new ArgumentException($"No broker with id {id}.", nameof(id));
            _fencedByIsolation.Remove(id);
            Fence(broker);
            _logger.LogInformation("Broker {Broker} fenced; its leaderships moved to in-sync replicas", id);
        }
    }

    /// <summary>Takes a broker out of the cluster's metadata: leaderships to in-sync replicas, out of every ISR (under the lock).</summary>
    private void Fence(BrokerNode broker)
    {
        var id = broker.Id;
        broker.IsAlive = false;
        foreach (var partition in AllPartitions().Where(p => p.Leadership.Replicas.Contains(id)))
        {
            var current = partition.Leadership;
            if (current.Leader == id)
            {
                Publish(partition, Elect(partition, current));
                continue;
            }
            // The last in-sync replica stays in the ISR (as in KRaft): it is the one a clean election waits for.
            var isr = current.Isr.Count > 1 ? current.Isr.Where(r => r != id).ToList() : current.Isr;
            Publish(partition, current with { Isr = isr });
        }
    }

    /// <summary>
    /// Registers a broker as running: its replicas follow their leaders (truncating, then catching up; they
    /// rejoin the ISR once caught up), and it leads the partitions that had no leader and that it may lead.
    /// Liveness is set last, so metadata never shows the broker live before its partitions are set up.
    /// </summary>
    public void StartBroker(int id)
    {
        lock (_lock)
        {
            var broker = Broker(id) ?? throw new ArgumentException($"No broker with id {id}.", nameof(id));
            if (broker.IsAlive) return;
            foreach (var partition in AllPartitions().Where(p => p.Leadership.Replicas.Contains(id)))
            {
                var current = partition.Leadership;
                Publish(partition, current.Leader == -1 ? Elect(partition, current, starting: id) : current, starting: id);
            }
            broker.IsAlive = true;
            // Started while isolated: the controller still does not hear it, and fences it again after the session timeout.
            if (_isolated.TryGetValue(id, out var fence)) fence.Change(Settings.BrokerSessionTimeout, Timeout.InfiniteTimeSpan);
            _fetchers[id].WakeAll();
            _logger.LogInformation("Broker {Broker} started", id);
        }
    }

    /// <summary>
    /// The first step of a controlled shutdown: completes when, for every partition <paramref name="brokerId"/>
    /// leads, the high watermark reached the log end (each in-sync follower has every record; one that lags
    /// leaves the ISR after replica.lag.time.max.ms and stops holding it), or on cancellation.
    /// </summary>
    public async Task WaitForFollowersAsync(int brokerId, CancellationToken cancellationToken)
    {
        var waits = AllPartitions()
            .Where(p => p.Leadership.Leader == brokerId)
            .Select(p => p.ReplicaLog(brokerId))
            .Select(log => log.WaitForHighWatermarkAsync(log.LogEndOffset));
        await Task.WhenAll(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The one leader-change primitive: makes <paramref name="brokerId"/> the leader of <paramref name="partition"/>
    /// with a new leader epoch, the ISR unchanged. The old leader becomes a follower at once (its pending acks=all
    /// produces end with NOT_LEADER_OR_FOLLOWER, later requests get that error and clients refresh metadata); the
    /// new leader serves from its log, which as an in-sync replica holds everything up to the high watermark.
    /// Preferred leader election is this move to the first replica.
    /// </summary>
    /// <returns>
    /// ELECTION_NOT_NEEDED when the broker leads already (nothing changes); PREFERRED_LEADER_NOT_AVAILABLE (Kafka's
    /// answer when an elected replica cannot lead) when it is not a replica, not running, isolated or not in the ISR.
    /// </returns>
    public ControllerResult MoveLeader(PartitionState partition, int brokerId)
    {
        lock (_lock)
        {
            var current = partition.Leadership;
            if (current.Leader == brokerId) return ControllerResult.Fail(ErrorCode.ElectionNotNeeded, $"Broker {brokerId} already leads {partition}.");
            var problem = !current.Replicas.Contains(brokerId) ? $"broker {brokerId} is not one of its replicas [{string.Join(",", current.Replicas)}]"
                : !IsAlive(brokerId) ? $"broker {brokerId} is not running"
                : IsIsolated(brokerId) ? $"broker {brokerId} is isolated"
                : !current.Isr.Contains(brokerId) ? $"broker {brokerId} is not in its ISR [{string.Join(",", current.Isr)}]"
                : null;
            if (problem is not null) return ControllerResult.Fail(ErrorCode.PreferredLeaderNotAvailable, $"Cannot move the leader of {partition}: {problem}.");
            Publish(partition, current with { Leader = brokerId, LeaderEpoch = current.LeaderEpoch + 1 });
            _logger.LogInformation("Partition {Partition}: leadership moved from broker {Old} to broker {New}", partition, current.Leader, brokerId);
            return ControllerResult.Ok();
        }
    }

    /// <summary>
    /// ElectLeaders UNCLEAN for one partition, as KRaft's controller: a partition that has a leader needs none
    /// (ELECTION_NOT_NEEDED); otherwise the first live in-sync replica leads, else the first live replica whatever the
    /// topic's unclean.leader.election.enable, losing what only the in-sync replicas had; with no live replica,
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE.
    /// </summary>
    public ControllerResult ElectUncleanLeader(PartitionState partition)
    {
        lock (_lock)
        {
            var current = partition.Leadership;
            if (current.Leader >= 0) return ControllerResult.Fail(ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
            var elected = Elect(partition, current, unclean: true);
            if (elected.Leader < 0) return ControllerResult.Fail(ErrorCode.EligibleLeadersNotAvailable, "Eligible topic partition leaders are not available.");
            Publish(partition, elected);
            return ControllerResult.Ok();
        }
    }

    /// <summary>
    /// AlterPartitionReassignments for one partition, as KRaft's controller (KIP-455): the replicas become the target
    /// followed by the current replicas the target leaves out (removing); those it adds (adding) copy from the leader,
    /// and once every target replica is in the ISR the reassignment completes: the replicas are the target, those
    /// removed are emptied, and a leader outside the target hands over to the first in-sync target replica. Nothing
    /// acknowledged is lost: the leader keeps serving while the new replicas copy. A reassignment replaces one in
    /// progress; null <paramref name="target"/> cancels it, back to the replicas before it (refused when that needs
    /// an unclean election the topic does not allow).
    /// </summary>
    public ControllerResult Reassign(PartitionState partition, IReadOnlyList<int>? target)
    {
        lock (_lock)
        {
            var current = partition.Leadership;
            if (target is null) return CancelReassignment(partition, current);
            if (target.Count == 0) return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
            var duplicate = target.GroupBy(r => r).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {duplicate.Key} more than once.");
            var unknown = target.Where(r => Broker(r) is null).ToList();
            if (unknown.Count > 0)
                return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes broker {unknown[0]}, but no such broker is registered.");

            // Kafka keeps both as sorted sets; the replica list is the target, then the leaving replicas in their
            // original order, so that a cancellation restores the original list (and preferred leader) exactly.
            var removing = current.Replicas.Except(target).Order().ToList();
            var adding = target.Except(current.Replicas).Order().ToList();
            var next = current with { Replicas = target.Concat(current.Replicas.Except(target)).ToList(), AddingReplicas = adding, RemovingReplicas = removing };
            Publish(partition, CompleteReassignmentIfCaughtUp(partition, next));
            _logger.LogInformation("Partition {Partition}: reassigning to [{Target}], adding [{Adding}], removing [{Removing}]",
                partition, string.Join(",", target), string.Join(",", adding), string.Join(",", removing));
            return ControllerResult.Ok();
        }
    }

    private ControllerResult CancelReassignment(PartitionState partition, PartitionLeadership current)
    {
        if (!current.IsReassigning) return ControllerResult.Fail(ErrorCode.NoReassignmentInProgress, $"No partition reassignment is in progress for {partition}.");
        var original = current.Replicas.Except(current.AddingReplicas).ToList();
        var isr = current.Isr.Where(original.Contains).ToList();
        var unclean = isr.Count == 0;
        if (unclean && !(_topics.TryGetValue(partition.Topic, out var topic) && topic.Config.UncleanLeaderElectionEnable))
            return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment,
                $"Unable to revert partition assignment for {partition.Topic}:{partition.Index} because it would require an unclean leader election.");
        var reverted = current with
        {
            Replicas = original, Isr = unclean ? original : isr, AddingReplicas = [], RemovingReplicas = [],
            // Replicas leave: the epoch moves on, as KRaft fences removed replicas.
            LeaderEpoch = current.AddingReplicas.Count > 0 ? current.LeaderEpoch + 1 : current.LeaderEpoch,
        };
        if (!original.Contains(reverted.Leader)) reverted = Elect(partition, reverted with { LeaderEpoch = current.LeaderEpoch }, unclean: unclean);
        Publish(partition, reverted);
        _logger.LogInformation("Partition {Partition}: reassignment cancelled, replicas [{Replicas}]", partition, string.Join(",", original));
        return ControllerResult.Ok();
    }

    /// <summary>
    /// The reassignment's end once every target replica is in the ISR: the target replicas alone, the leader the
    /// same or (when it is being removed) the first live in-sync target replica, a new leader epoch when replicas left.
    /// </summary>
    private PartitionLeadership CompleteReassignmentIfCaughtUp(PartitionState partition, PartitionLeadership next)
    {
        if (!next.IsReassigning) return next;
        var target = next.TargetReplicas;
        if (!target.All(next.Isr.Contains)) return next;
        var done = next with
        {
            Replicas = target, Isr = next.Isr.Except(next.RemovingReplicas).ToList(), AddingReplicas = [], RemovingReplicas = [],
            LeaderEpoch = next.RemovingReplicas.Count > 0 ? next.LeaderEpoch + 1 : next.LeaderEpoch,
        };
        if (!target.Contains(done.Leader)) done = Elect(partition, done with { LeaderEpoch = next.LeaderEpoch });
        _logger.LogInformation("Partition {Partition}: reassignment complete, replicas [{Replicas}], leader {Leader}", partition, string.Join(",", target), done.Leader);
        return done;
    }

    /// <summary>The absolute log directory of broker <paramref name="brokerId"/> (the storage's root is absolute), or null when the logs live in memory.</summary>
    public string? LogDirectory(int brokerId) => _storage?.BrokerDirectory(brokerId);

    /// <summary>The partitions with a reassignment in progress.</summary>
    public IEnumerable<PartitionState> ReassigningPartitions() => AllPartitions().Where(p => p.Leadership.IsReassigning);

    /// <summary>Adds a stopped broker to the cluster (with a replica fetcher); <see cref="StartBroker"/> then registers it.</summary>
    public void AddBroker(BrokerNode broker)
    {
        lock (_lock)
        {
            if (Broker(broker.Id) is not null) throw new ArgumentException($"Broker {broker.Id} exists already.", nameof(broker));
            _fetchers[broker.Id] = new ReplicaFetcher(broker, this, _logger);
            _brokers = _brokers.Append(broker).OrderBy(b => b.Id).ToList();
        }
    }

    /// <summary>
    /// Takes a stopped broker out of the cluster for good. Refused while any partition has a replica on it: its
    /// replicas must be reassigned first, so that no replica set names a broker that no longer exists.
    /// </summary>
    public async Task<ControllerResult> RemoveBrokerAsync(int id)
    {
        ReplicaFetcher? fetcher;
        lock (_lock)
        {
            var broker = Broker(id);
            if (broker is null) return ControllerResult.Fail(ErrorCode.BrokerNotAvailable, $"No broker with id {id}.");
            var hosted = AllPartitions().Where(p => p.Leadership.Replicas.Contains(id)).Select(p => p.ToString()).ToList();
            if (hosted.Count > 0)
                return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment,
                    $"Broker {id} hosts replicas of {string.Join(", ", hosted.Take(5))}{(hosted.Count > 5 ? $" and {hosted.Count - 5} more" : "")}; reassign them first.");
            if (broker.IsAlive) Fence(broker);
            ForgetIsolation(id);
            _brokers = _brokers.Where(b => b.Id != id).ToList();
            _fetchers.TryRemove(id, out fetcher);
        }
        if (fetcher is not null) await fetcher.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("Broker {Broker} removed from the cluster", id);
        return ControllerResult.Ok();
    }

    /// <summary>Whether <paramref name="brokerId"/> is cut off from the network (<see cref="Isolate"/>).</summary>
    public bool IsIsolated(int brokerId) => _isolated.ContainsKey(brokerId);

    /// <summary>
    /// A network partition around <paramref name="brokerId"/>, as KRaft sees one: its replicas stop fetching and
    /// nobody fetches from it (followers elsewhere fall out of ISRs after replica.lag.time.max.ms; an isolated
    /// leader cannot shrink its ISR), and after broker.session.timeout.ms without heartbeats the controller fences it,
    /// moving its leaderships to in-sync replicas. Isolating an isolated broker does nothing.
    /// </summary>
    public void Isolate(int brokerId)
    {
        lock (_lock)
        {
            _ = Broker(brokerId) ?? throw new ArgumentException($"No broker with id {brokerId}.", nameof(brokerId));
            if (_isolated.ContainsKey(brokerId)) return;
            _isolated[brokerId] = Settings.Time.CreateTimer(_ => FenceIsolated(brokerId), null, Settings.BrokerSessionTimeout, Timeout.InfiniteTimeSpan);
            _logger.LogInformation("Broker {Broker} isolated; fenced after {Timeout} unless healed", brokerId, Settings.BrokerSessionTimeout);
        }
    }

    private void FenceIsolated(int brokerId)
    {
        lock (_lock)
        {
            if (!_isolated.ContainsKey(brokerId) || Broker(brokerId) is not { IsAlive: true } broker) return;
            _fencedByIsolation.Add(brokerId);
            Fence(broker);
            _logger.LogInformation("Isolated broker {Broker} missed its heartbeats for broker.session.timeout.ms: fenced", brokerId);
        }
    }

    /// <summary>
    /// Ends the isolation of <paramref name="brokerId"/>: replication to and from it resumes, and if the controller
    /// fenced it meanwhile it registers again (its replicas truncate and catch up as followers). Healing a broker
    /// that is not isolated does nothing.
    /// </summary>
    public void Heal(int brokerId)
    {
        bool refence;
        lock (_lock)
        {
            if (!_isolated.ContainsKey(brokerId)) return;
            refence = _fencedByIsolation.Contains(brokerId);
            ForgetIsolation(brokerId);
        }
        if (refence) StartBroker(brokerId);
        foreach (var fetcher in _fetchers.Values) fetcher.WakeAll();
        _logger.LogInformation("Broker {Broker} healed", brokerId);
    }

    private void ForgetIsolation(int brokerId)
    {
        if (_isolated.TryRemove(brokerId, out var timer)) timer.Dispose();
        _fencedByIsolation.Remove(brokerId);
    }

    /// <summary>A follower caught up with the leader of <paramref name="leaderEpoch"/>: it rejoins the ISR.</summary>
    public void JoinIsr(PartitionState partition, int brokerId, int leaderEpoch)
    {
        lock (_lock)
        {
            var current = partition.Leadership;
            if (current.LeaderEpoch != leaderEpoch || current.Isr.Contains(brokerId) || Broker(brokerId)?.IsAlive != true) return;
            Publish(partition, CompleteReassignmentIfCaughtUp(partition, current with { Isr = current.Replicas.Where(r => r == brokerId || current.Isr.Contains(r)).ToList() }));
            _logger.LogInformation("Partition {Partition}: replica {Broker} caught up and rejoined the ISR", partition, brokerId);
        }
    }

    /// <summary>Removes from every ISR the followers that have lagged longer than replica.lag.time.max.ms (runs on a timer).</summary>
    public void ShrinkIsrs()
    {
        var lagMs = (long)Settings.ReplicaLagTimeMax.TotalMilliseconds;
        foreach (var partition in AllPartitions())
        {
            // An isolated leader cannot reach the controller (Kafka's AlterPartition fails): its ISR stays until it is fenced.
            if (IsIsolated(partition.Leadership.Leader)) continue;
            var (lagging, epoch) = partition.LaggingFollowers(lagMs);
            if (lagging.Count == 0) continue;
            lock (_lock)
            {
                var current = partition.Leadership;
                if (current.LeaderEpoch != epoch) continue;
                Publish(partition, current with { Isr = current.Isr.Except(lagging).ToList() });
            }
            _logger.LogInformation("Partition {Partition}: replicas {Replicas} fell behind and left the ISR", partition, string.Join(",", lagging));
        }
    }

    /// <summary>
    /// Writes a transaction marker on the partition's leader (it then replicates like data); a partition without
    /// a leader gets it as soon as one is elected, before any produce, as Kafka's coordinator retries until it can.
    /// </summary>
    /// <remarks>
    /// Kafka's coordinator waits until a marker is replicated and writes it again on a new leader otherwise. Here a
    /// marker counts as written once on the leader, and is kept until the high watermark passes it: if the leader
    /// changes first, the new leader, which then still has the transaction open, gets the marker at its election,
    /// before any produce (it cannot hold later data of that producer without the marker, as replicas copy in order).
    /// </remarks>
    public void WriteMarker(PartitionState partition, long producerId, short producerEpoch, ControlRecord marker, long nowMs, int maxMessageBytes)
    {
        lock (_lock)
        {
            var pending = new PendingMarker(producerId, producerEpoch, marker, nowMs, maxMessageBytes);
            var offset = partition.AppendMarker(producerId, producerEpoch, marker, nowMs, maxMessageBytes);
            var list = offset < 0 ? _pendingMarkers : _unreplicatedMarkers;
            if (!list.TryGetValue(partition, out var markers)) list[partition] = markers = [];
            var highWatermark = partition.LeaderLog?.HighWatermark ?? 0;
            if (offset >= 0) markers.RemoveAll(m => m.Offset < highWatermark);
            markers.Add(pending with { Offset = offset });
        }
    }

    /// <summary>Stops (true) or resumes (false) the copying of the replicas on <paramref name="brokerId"/>.</summary>
    public void PauseReplication(int brokerId, bool paused) => Fetcher(brokerId).Paused = paused;

    /// <summary>Delays every fetch answer the replicas on <paramref name="brokerId"/> get by <paramref name="delay"/>.</summary>
    public void SetReplicationDelay(int brokerId, TimeSpan delay) => Fetcher(brokerId).Delay = delay;

    /// <summary>How many times the replica fetcher of <paramref name="brokerId"/> has woken (it sleeps while nothing needs it).</summary>
    public long ReplicaFetcherWakeUps(int brokerId) => Fetcher(brokerId).WakeUps;

    private ReplicaFetcher Fetcher(int brokerId) =>
        _fetchers.TryGetValue(brokerId, out var fetcher) ? fetcher : throw new ArgumentException($"No broker with id {brokerId}.", nameof(brokerId));

    /// <summary>Starts the log maintenance ticks (log.retention.check.interval.ms), once every broker has started.</summary>
    public void StartRetentionChecks() => _retention.Start();

    /// <summary>
    /// Applies every topic's retention.ms and retention.bytes to every replica of its partitions (topics whose
    /// cleanup.policy contains delete), then runs the log cleaner on those whose policy contains compact, and forces
    /// logs past their flush.ms to disk. Each replica cleans its own log, as in Kafka; cleaning is deterministic, so
    /// replicas holding the same batches agree. Returns the earliest time at which any of that could find work again
    /// with nothing appended, no high watermark moving and no config changing (<see cref="RetentionTimer"/> sleeps
    /// until then; long.MaxValue: never).
    /// </summary>
    public long ApplyRetention(long nowMs)
    {
        var next = long.MaxValue;
        foreach (var topic in _topics.Values)
        {
            var config = topic.Config;
            foreach (var partition in topic.Partitions)
            {
                var leaderLog = partition.LeaderLog;
                foreach (var log in partition.Logs)
                {
                    if (config.DeletesOldSegments)
                    {
                        if (log.ApplyRetention(nowMs, config.RetentionMs, config.RetentionBytes) > 0 && log == leaderLog) partition.LogStartMoved();
                        next = Math.Min(next, log.NextRetentionMs(config.RetentionMs));
                    }
                    if (config.IsCompacted)
                    {
                        log.Clean(nowMs, config.Cleaning);
                        next = Math.Min(next, log.NextCleaningMs(nowMs, config.Cleaning));
                    }
                    log.FlushIfDue(nowMs);
                    next = Math.Min(next, log.NextFlushMs());
                }
            }
        }
        return next;
    }

    /// <summary>
    /// Rebuilds the topics of a data directory's metadata, each replica's log recovered from its broker's directory,
    /// before any broker starts. Each partition is led by the replica with the highest leader epoch (then the longest
    /// log, then the preferred order), at a new epoch past every replica's, with the replicas level with it as the
    /// ISR: what Kafka's controller elects once every broker is back. The others catch up as followers.
    /// </summary>
    public void Restore(ClusterMetadata metadata)
    {
        var storage = _storage ?? throw new InvalidOperationException("Restoring metadata needs a data directory.");
        lock (_lock)
        {
            var unknown = metadata.Topics.SelectMany(t => t.Replicas).SelectMany(r => r).Where(b => Broker(b) is null).Distinct().ToList();
            if (unknown.Count > 0)
                throw new ArgumentException($"The data directory {storage.Root} has replicas on brokers {string.Join(", ", unknown)}, which this cluster of {Brokers.Count} brokers does not have.");
            foreach (var record in metadata.Topics)
            {
                var config = Settings.TopicDefaults.With(record.Configs.ToDictionary(c => c.Key, c => (string?)c.Value));
                var partitions = record.Replicas.Select((replicas, index) => RestoredPartition(record.Name, record.Id, config, index, replicas)).ToList();
                var topic = new TopicState(record.Name, record.Id, partitions, config);
                _topics[topic.Name] = topic;
                _topicsById[topic.Id] = topic;
            }
            _nextProducerId = _producerIdBlockEnd = metadata.ProducerIdBlockEnd;
            storage.DeleteUnclaimed();
        }
    }

    private PartitionState RestoredPartition(string topic, Guid topicId, TopicConfig config, int index, IReadOnlyList<int> replicas)
    {
        var newLog = NewLog(topic, topicId, config, index);
        var logs = replicas.ToDictionary(b => b, newLog);
        var leader = replicas.OrderByDescending(b => logs[b].LatestEpoch).ThenByDescending(b => logs[b].LogEndOffset).First();
        var isr = replicas.Where(b => logs[b].LatestEpoch == logs[leader].LatestEpoch && logs[b].LogEndOffset == logs[leader].LogEndOffset).ToList();
        var epoch = Math.Max(0, replicas.Max(b => logs[b].LatestEpoch) + 1);
        var leadership = new PartitionLeadership(leader, epoch, replicas, isr) { OfflineReplicas = replicas.Where(r => !IsAlive(r)).ToList() };
        return new PartitionState(topic, index, leadership, Settings.Time, FetcherOf, Settings.RackAwareReplicaSelector,
            broker => logs.TryGetValue(broker, out var log) ? log : newLog(broker));
    }

    /// <summary>
    /// The file settings of <paramref name="topic"/>'s logs, read at every append so config changes apply at once;
    /// <paramref name="initial"/>'s until the topic is registered (recovery reads them first).
    /// </summary>
    private Func<LogFileSettings> FileSettingsOf(string topic, TopicConfig initial) =>
        () => _topics.TryGetValue(topic, out var state) ? state.Config.FileSettings : initial.FileSettings;

    /// <summary>Closes every log (the cluster stops; with a data directory their files are flushed and closed).</summary>
    public void CloseLogs()
    {
        foreach (var log in AllPartitions().SelectMany(p => p.Logs)) log.Close();
    }

    private IEnumerable<PartitionState> AllPartitions() => _topics.Values.SelectMany(t => t.Partitions);

    private PartitionState NewPartition(string topic, Guid topicId, TopicConfig config, int index, IReadOnlyList<int> replicas)
    {
        var live = replicas.Where(IsAlive).ToList();
        var leadership = new PartitionLeadership(live.Count > 0 ? live[0] : -1, 0, replicas, live.Count > 0 ? live : replicas)
        {
            OfflineReplicas = replicas.Where(r => !IsAlive(r)).ToList(),
        };
        return new PartitionState(topic, index, leadership, Settings.Time, FetcherOf, Settings.RackAwareReplicaSelector,
            NewLog(topic, topicId, config, index));
    }

    /// <summary>
    /// Makes the log of a replica of the partition on a broker: in memory, or opened (recovered) from the broker's data
    /// directory; either way told to touch the retention timer as it changes. A log recovered with data may hold work
    /// the timer does not know of yet, so a new log touches it too.
    /// </summary>
    private Func<int, PartitionLog> NewLog(string topic, Guid topicId, TopicConfig config, int index) => broker =>
    {
        var log = _storage?.OpenLog(broker, topic, index, topicId, FileSettingsOf(topic, config)) ?? new PartitionLog(Settings.ChunkPool);
        log.RetentionTimer = _retention;
        _retention.Touch();
        return log;
    };

    /// <summary>The replica fetcher of a broker, which its partitions tell of their leaders' changes; null once it is removed.</summary>
    private ReplicaFetcher? FetcherOf(int brokerId) => _fetchers.TryGetValue(brokerId, out var fetcher) ? fetcher : null;

    private bool IsAlive(int brokerId) => Broker(brokerId)?.IsAlive == true;

    /// <summary>
    /// A new leader for <paramref name="partition"/>: the first live in-sync replica (clean); else, when the topic
    /// allows unclean election (or <paramref name="unclean"/> asks for one), the first live replica, alone in the ISR;
    /// else none (offline), the ISR unchanged.
    /// <paramref name="starting"/> counts as live (a broker being registered).
    /// </summary>
    private PartitionLeadership Elect(PartitionState partition, PartitionLeadership current, int starting = -1, bool unclean = false)
    {
        bool Live(int r) => r == starting || IsAlive(r);
        var epoch = current.LeaderEpoch + 1;
        var clean = current.Replicas.Where(r => current.Isr.Contains(r) && Live(r)).ToList();
        if (clean.Count > 0) return current with { Leader = clean[0], LeaderEpoch = epoch, Isr = clean };
        unclean |= _topics.TryGetValue(partition.Topic, out var topic) && topic.Config.UncleanLeaderElectionEnable;
        var live = current.Replicas.Where(Live).ToList();
        if (unclean && live.Count > 0)
        {
            _logger.LogWarning("Partition {Partition}: unclean election of out-of-sync replica {Broker}; records only the in-sync replicas had are lost", partition, live[0]);
            return current with { Leader = live[0], LeaderEpoch = epoch, Isr = [live[0]] };
        }
        return current.Leader == -1 ? current : current with { Leader = -1, LeaderEpoch = epoch };
    }

    /// <summary>Installs a partition's new leadership with its offline replicas, then writes the markers it was waiting for.</summary>
    private void Publish(PartitionState partition, PartitionLeadership leadership, int starting = -1)
    {
        var offline = leadership.Replicas.Where(r => !IsAlive(r) && r != starting).ToList();
        var newLeader = leadership.LeaderEpoch != partition.Leadership.LeaderEpoch;
        var isrBefore = partition.Leadership.Isr.Count;
        var replicasChanged = !leadership.Replicas.SequenceEqual(partition.Leadership.Replicas);
        partition.Update(leadership with { OfflineReplicas = offline });
        if (replicasChanged) MetadataChanged();
        if (!newLeader && leadership.Leader >= 0) BrokerMetrics.IsrChanged(ClusterId, leadership.Leader, isrBefore, leadership.Isr.Count);
        if (leadership.Leader < 0 || !newLeader) return;
        LeaderElected?.Invoke(partition);
        var markers = new List<PendingMarker>();
        if (_unreplicatedMarkers.Remove(partition, out var unreplicated))
        {
            // The new leader's log is the old one's up to its end: of each producer's markers past that end, the
            // first closes the transaction the new leader still has open.
            var leaderLog = partition.LeaderLog!;
            var end = leaderLog.LogEndOffset;
            markers.AddRange(unreplicated.Where(m => m.Offset >= end).GroupBy(m => m.ProducerId).Select(g => g.First())
                .Where(m => leaderLog.HasOpenTransaction(m.ProducerId)));
        }
        if (_pendingMarkers.Remove(partition, out var pending)) markers.AddRange(pending);
        foreach (var m in markers) WriteMarker(partition, m.ProducerId, m.ProducerEpoch, m.Marker, m.NowMs, m.MaxMessageBytes);
    }

    /// <summary>Stops the replica fetchers and the ISR check; every broker is then down.</summary>
    public async ValueTask DisposeAsync()
    {
        await _isrCheck.DisposeAsync().ConfigureAwait(false);
        await _retention.DisposeAsync().ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var broker in Brokers) broker.IsAlive = false;
            foreach (var timer in _isolated.Values) timer.Dispose();
            _isolated.Clear();
        }
        foreach (var fetcher in _fetchers.Values) await fetcher.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A marker waiting for a leader (Offset -1), or written at Offset and not yet known to be replicated.</summary>
    private readonly record struct PendingMarker(long ProducerId, short ProducerEpoch, ControlRecord Marker, long NowMs, int MaxMessageBytes, long Offset = -1);

    private readonly record struct Placement(ControllerResult Error, IReadOnlyList<IReadOnlyList<int>> Replicas);

    /// <summary>
    /// Spreads partitions over the live brokers round-robin: partition p of a topic is led by the broker after
    /// that of p-1, and each topic starts one broker further on, so leaders stay balanced across topics.
    /// </summary>
    private Placement PlaceReplicas(int partitions, short replicationFactor, int firstPartition)
    {
        var live = LiveBrokers.Select(b => b.Id).ToList();
        if (partitions <= 0) return new(ControllerResult.Fail(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0."), []);
        if (replicationFactor <= 0 || replicationFactor > live.Count)
            return new(ControllerResult.Fail(ErrorCode.InvalidReplicationFactor,
                $"Replication factor: {replicationFactor} larger than available brokers: {live.Count}."), []);
        var start = firstPartition == 0 ? _nextPlacement++ : 0;
        var result = new List<IReadOnlyList<int>>(partitions);
        for (var p = firstPartition; p < firstPartition + partitions; p++)
        {
            result.Add(Enumerable.Range(0, replicationFactor).Select(r => live[(start + p + r) % live.Count]).ToList());
        }
        return new(ControllerResult.Ok(), result);
    }

    private Placement CheckAssignments(TopicSpec spec)
    {
        if (spec.Partitions != -1 || spec.ReplicationFactor != -1)
            return new(ControllerResult.Fail(ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set."), []);
        if (spec.Assignments!.Count == 0)
            return new(ControllerResult.Fail(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0."), []);
        return CheckReplicaLists(spec.Assignments);
    }

    private Placement CheckReplicaLists(IReadOnlyList<IReadOnlyList<int>> assignments)
    {
        foreach (var replicas in assignments)
        {
            if (replicas.Count == 0 || replicas.Distinct().Count() != replicas.Count || replicas.Any(r => Broker(r) is null))
                return new(ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, $"Invalid replica assignment [{string.Join(",", replicas)}]."), []);
        }
        if (assignments.Select(a => a.Count).Distinct().Count() > 1)
            return new(ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, "All partitions must have the same number of replicas."), []);
        return new(ControllerResult.Ok(), assignments);
    }

    /// <summary>Kafka's rule: 1 to 249 characters of [a-zA-Z0-9._-], and not "." or "..".</summary>
    public static string? ValidateTopicName(string name)
    {
        if (string.IsNullOrEmpty(name)) return "Topic name is illegal, it can't be empty.";
        if (name is "." or "..") return "Topic name cannot be \".\" or \"..\".";
        if (name.Length > MaxTopicNameLength) return $"Topic name is illegal, it can't be longer than {MaxTopicNameLength} characters.";
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'.";
    }
}
