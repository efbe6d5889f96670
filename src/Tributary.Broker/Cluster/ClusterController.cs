using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Tributary.Protocol;

namespace Tributary.Broker.Cluster;

/// <summary>
/// The cluster's metadata in one place, as KRaft's controller keeps it: brokers, topics, partitions, replicas,
/// ISR, leaders and leader epochs, topic configs. Reads are lock-free; changes are serialized.
/// </summary>
internal sealed class ClusterController
{
    private const int MaxTopicNameLength = 249;

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _topicsById = new();
    private readonly ILogger _logger;
    private int _nextPlacement;
    private long _nextProducerId;

    public ClusterController(ClusterSettings settings, IEnumerable<BrokerNode> brokers, ILogger logger)
    {
        Settings = settings;
        Brokers = brokers.OrderBy(b => b.Id).ToList();
        _logger = logger;
    }

    /// <summary>Cluster-wide settings.</summary>
    public ClusterSettings Settings { get; }

    /// <summary>A random id in Kafka's format (22 URL-safe base64 characters).</summary>
    public string ClusterId { get; } = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Every broker, running or stopped, by id.</summary>
    public IReadOnlyList<BrokerNode> Brokers { get; }

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
    public long NextProducerId() => Interlocked.Increment(ref _nextProducerId);

    /// <summary>Creates a topic (or only checks that it could be created, when <paramref name="validateOnly"/>).</summary>
    public ControllerResult CreateTopic(TopicSpec spec, bool validateOnly = false)
    {
        lock (_lock)
        {
            var nameError = ValidateTopicName(spec.Name);
            if (nameError is not null) return ControllerResult.Fail(ErrorCode.InvalidTopicException, nameError);
            if (_topics.ContainsKey(spec.Name)) return ControllerResult.Fail(ErrorCode.TopicAlreadyExists, $"Topic '{spec.Name}' already exists.");

            var configError = TopicConfig.Validate(spec.Configs ?? new Dictionary<string, string?>());
            if (configError is not null) return ControllerResult.Fail(ErrorCode.InvalidConfig, configError);

            var assignment = spec.Assignments is null
                ? PlaceReplicas(spec.Partitions == -1 ? Settings.DefaultPartitions : spec.Partitions,
                    spec.ReplicationFactor == -1 ? Settings.DefaultReplicationFactor : spec.ReplicationFactor, firstPartition: 0)
                : CheckAssignments(spec);
            if (assignment.Error.Error != ErrorCode.None) return assignment.Error;
            if (validateOnly) return ControllerResult.Ok();

            var partitions = assignment.Replicas.Select((replicas, index) => new PartitionState(spec.Name, index, ElectLeader(replicas, -1))).ToList();
            var topic = new TopicState(spec.Name, Guid.NewGuid(), partitions, TopicConfig.Defaults.With(spec.Configs ?? new Dictionary<string, string?>()));
            _topics[topic.Name] = topic;
            _topicsById[topic.Id] = topic;
            _logger.LogInformation("Created topic {Topic} ({Id}) with {Partitions} partitions", topic.Name, topic.Id, partitions.Count);
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>
    /// The topic for a Metadata request: existing, or created with the cluster defaults when auto-creation is
    /// on and the client allows it. Returns UNKNOWN_TOPIC_OR_PARTITION otherwise.
    /// </summary>
    public ControllerResult GetOrAutoCreate(string name, bool clientAllowsAutoCreate)
    {
        if (_topics.TryGetValue(name, out var topic)) return ControllerResult.Ok(topic);
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
            var replicationFactor = (short)topic.Partitions[0].Leadership.Replicas.Count;
            Placement placement;
            if (assignments is null) placement = PlaceReplicas(added, replicationFactor, current);
            else if (assignments.Count != added)
                return ControllerResult.Fail(ErrorCode.InvalidReplicaAssignment, $"Increasing the number of partitions by {added} but {assignments.Count} assignments provided.");
            else placement = CheckReplicaLists(assignments);
            if (placement.Error.Error != ErrorCode.None) return placement.Error;
            if (validateOnly) return ControllerResult.Ok(topic);

            topic.AddPartitions(placement.Replicas.Select((replicas, i) => new PartitionState(name, current + i, ElectLeader(replicas, -1))));
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
            if (!validateOnly) topic.Config = topic.Config.With(list);
            return ControllerResult.Ok(topic);
        }
    }

    /// <summary>Marks a broker stopped: its partitions get new leaders among the live in-sync replicas.</summary>
    public void StopBroker(int id)
    {
        lock (_lock)
        {
            var broker = Broker(id) ?? throw new ArgumentException($"No broker with id {id}.", nameof(id));
            broker.IsAlive = false;
            foreach (var partition in AllPartitions().Where(p => p.Leadership.Replicas.Contains(id)))
            {
                var current = partition.Leadership;
                var isr = current.Isr.Where(r => r != id).ToList();
                partition.Update(current.Leader == id
                    ? ElectLeader(current.Replicas, current.LeaderEpoch) with { Isr = isr }
                    : current with { Isr = isr });
            }
            _logger.LogInformation("Broker {Broker} stopped; its partitions moved to live replicas", id);
        }
    }

    /// <summary>Marks a broker running again: it rejoins the ISR of its partitions and leads those that had no leader.</summary>
    public void StartBroker(int id)
    {
        lock (_lock)
        {
            var broker = Broker(id) ?? throw new ArgumentException($"No broker with id {id}.", nameof(id));
            broker.IsAlive = true;
            foreach (var partition in AllPartitions().Where(p => p.Leadership.Replicas.Contains(id)))
            {
                var current = partition.Leadership;
                partition.Update(current.Leader == -1
                    ? ElectLeader(current.Replicas, current.LeaderEpoch)
                    : current with { Isr = current.Replicas.Where(r => r == id || current.Isr.Contains(r)).ToList() });
            }
            _logger.LogInformation("Broker {Broker} started", id);
        }
    }

    /// <summary>Applies every topic's retention.ms and retention.bytes to its partitions.</summary>
    public void ApplyRetention(long nowMs)
    {
        foreach (var topic in _topics.Values)
        {
            var config = topic.Config;
            foreach (var partition in topic.Partitions) partition.Log.ApplyRetention(nowMs, config.RetentionMs, config.RetentionBytes);
        }
    }

    private IEnumerable<PartitionState> AllPartitions() => _topics.Values.SelectMany(t => t.Partitions);

    /// <summary>The first live replica leads (the preferred one when it is up); the epoch moves past <paramref name="previousEpoch"/>.</summary>
    private PartitionLeadership ElectLeader(IReadOnlyList<int> replicas, int previousEpoch)
    {
        var live = replicas.Where(r => Broker(r)?.IsAlive == true).ToList();
        return new PartitionLeadership(live.Count > 0 ? live[0] : -1, previousEpoch + 1, replicas, live);
    }

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
    private static string? ValidateTopicName(string name)
    {
        if (string.IsNullOrEmpty(name)) return "Topic name is illegal, it can't be empty.";
        if (name is "." or "..") return "Topic name cannot be \".\" or \"..\".";
        if (name.Length > MaxTopicNameLength) return $"Topic name is illegal, it can't be longer than {MaxTopicNameLength} characters.";
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'.";
    }
}
