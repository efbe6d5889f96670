using Tributary.Broker.Groups;
using Tributary.Broker.Log;
using Tributary.Broker.Transactions;

namespace Tributary.Broker.Cluster;

/// <summary>
/// The cluster-wide settings the controller, the coordinators and the handlers read, made from the broker configs
/// of <see cref="BrokerConfigCatalog"/>: Kafka's defaults, then the static configs (the typed options of
/// <see cref="EmbeddedKafkaOptions"/> and its <see cref="EmbeddedKafkaOptions.BrokerConfigs"/>), then the dynamic
/// cluster defaults and the dynamic broker configs set at run time. Immutable: a dynamic change makes new settings.
/// </summary>
internal sealed record ClusterSettings
{
    /// <summary>auto.create.topics.enable: whether Metadata creates unknown topics.</summary>
    public bool AutoCreateTopics { get; init; } = true;

    /// <summary>num.partitions: the partition count of topics created without one.</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary>default.replication.factor: the replication factor of topics created without one.</summary>
    public short DefaultReplicationFactor { get; init; } = 1;

    /// <summary>socket.request.max.bytes: the largest request a connection accepts.</summary>
    public int MaxRequestSize { get; init; } = 100 * 1024 * 1024;

    /// <summary>log.retention.check.interval.ms: how often retention is applied.</summary>
    public TimeSpan RetentionCheckInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>replica.lag.time.max.ms: how long a follower may go without catching up before it leaves the ISR.</summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>offsets.topic.num.partitions: the partitions of <c>__consumer_offsets</c>, which group coordinators are spread over.</summary>
    public int OffsetsTopicPartitions { get; init; } = 50;

    /// <summary>offsets.topic.replication.factor: the replication factor of <c>__consumer_offsets</c> (at most the running brokers).</summary>
    public short OffsetsTopicReplicationFactor { get; init; } = 3;

    /// <summary>transaction.state.log.num.partitions: the partitions of <c>__transaction_state</c>, which transaction coordinators are spread over.</summary>
    public int TransactionStateLogPartitions { get; init; } = 50;

    /// <summary>transaction.state.log.replication.factor: the replication factor of <c>__transaction_state</c> (at most the running brokers).</summary>
    public short TransactionStateLogReplicationFactor { get; init; } = 3;

    /// <summary>The one replica selector Kafka ships: consumers read from a replica in their rack (KIP-392).</summary>
    public const string RackAwareReplicaSelectorClass = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

    /// <summary>broker.rack: one rack for every broker, or one per broker in id order; empty when not set.</summary>
    public IReadOnlyList<string> Racks { get; init; } = [];

    /// <summary>replica.selector.class is Kafka's rack-aware selector: leaders send consumers to a replica in their rack.</summary>
    public bool RackAwareReplicaSelector { get; init; }

    /// <summary>What a new topic's configs default to: Kafka's defaults, or the broker's where its configs set them.</summary>
    public TopicConfig TopicDefaults { get; init; } = TopicConfig.Defaults;

    /// <summary>broker.session.timeout.ms: how long the controller waits for heartbeats of an isolated broker before fencing it.</summary>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromSeconds(9);

    /// <summary>The cluster's clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The pool of the in-memory logs' chunks (<see cref="EmbeddedKafkaOptions.ChunkPool"/>); null: the shared pool.</summary>
    public LogChunkPool? ChunkPool { get; init; }

    /// <summary>The group coordinator's settings.</summary>
    public GroupCoordinatorOptions Groups { get; init; } = new();

    /// <summary>The transaction coordinator's settings.</summary>
    public TransactionCoordinatorOptions Transactions { get; init; } = new();

    /// <summary>Whether requests are authorized with ACLs (reported as authorizer.class.name).</summary>
    public bool EnableAuthorizer { get; init; }

    /// <summary>super.users: the principals allowed everything.</summary>
    public IReadOnlyList<string> SuperUsers { get; init; } = [];

    /// <summary>allow.everyone.if.no.acl.found.</summary>
    public bool AllowEveryoneIfNoAclFound { get; init; }

    /// <summary>The static broker configs (by Kafka name) that differ from Kafka's defaults.</summary>
    public IReadOnlyDictionary<string, string> StaticConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>The dynamic cluster-wide defaults set at run time (DYNAMIC_DEFAULT_BROKER_CONFIG), by Kafka name.</summary>
    public IReadOnlyDictionary<string, string> DynamicDefaults { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The dynamic configs set at run time on a broker resource named by id (DYNAMIC_BROKER_CONFIG), by Kafka name.
    /// The embedded brokers share their logs and settings, so a value set on one broker applies to (and is reported
    /// on) every broker.
    /// </summary>
    public IReadOnlyDictionary<string, string> DynamicBrokerConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>The settings of a cluster built from <paramref name="options"/>; broker configs by Kafka name win over the typed options.</summary>
    /// <exception cref="ArgumentException">A broker config is unknown, cannot be set, or its value is invalid.</exception>
    public static ClusterSettings From(EmbeddedKafkaOptions options)
    {
        var configs = new Dictionary<string, string>();
        foreach (var definition in BrokerConfigCatalog.All)
        {
            if (definition.FromOptions?.Invoke(options) is { } value && value != definition.Definition.DefaultValue) configs[definition.Name] = value;
        }
        foreach (var (name, value) in options.BrokerConfigs)
        {
            if (BrokerConfigCatalog.Problem(name, value) is { } problem) throw new ArgumentException(problem);
            configs[name] = value;
        }
        var settings = new ClusterSettings
        {
            Time = options.TimeProvider,
            ChunkPool = options.ChunkPool,
            EnableAuthorizer = options.EnableAuthorizer,
            SuperUsers = options.SuperUsers,
            AllowEveryoneIfNoAclFound = options.AllowEveryoneIfNoAclFound,
            StaticConfigs = configs,
        }.Resolved();
        // A retention in seconds (tests) is not a whole number of minutes: it applies as given unless the config sets one.
        if (options.OffsetsRetention.Ticks % TimeSpan.TicksPerMinute != 0 && !options.BrokerConfigs.ContainsKey("offsets.retention.minutes"))
            settings = settings with { Groups = settings.Groups with { OffsetsRetention = options.OffsetsRetention } };
        if (settings.Racks.Count > 1 && settings.Racks.Count != options.Brokers)
            throw new ArgumentException($"broker.rack lists {settings.Racks.Count} racks for {options.Brokers} brokers: give one rack for all, or one per broker.");
        if (settings.Groups.MinSessionTimeout > settings.Groups.MaxSessionTimeout)
            throw new ArgumentException("group.min.session.timeout.ms must not be above group.max.session.timeout.ms.");
        if (settings.Groups.ConsumerSessionTimeout <= settings.Groups.ConsumerHeartbeatInterval)
            throw new ArgumentException("group.consumer.session.timeout.ms must be longer than group.consumer.heartbeat.interval.ms.");
        return settings;
    }

    /// <summary>
    /// These settings with <paramref name="configs"/> (already validated) as the dynamic per-broker configs, or as
    /// the dynamic cluster-wide defaults.
    /// </summary>
    public ClusterSettings WithDynamicConfigs(bool perBroker, IReadOnlyDictionary<string, string> configs) =>
        (perBroker ? this with { DynamicBrokerConfigs = configs } : this with { DynamicDefaults = configs }).Resolved();

    /// <summary>The dynamic per-broker configs or the dynamic cluster-wide defaults.</summary>
    public IReadOnlyDictionary<string, string> DynamicConfigs(bool perBroker) => perBroker ? DynamicBrokerConfigs : DynamicDefaults;

    /// <summary>The effective value of a settable broker config and where it comes from.</summary>
    public (string? Value, ConfigSource Source) Resolve(BrokerConfigDefinition definition) =>
        Layers(definition).Select(layer => ((string?)layer.Value, layer.Source)).FirstOrDefault((null, ConfigSource.DefaultConfig));

    /// <summary>
    /// Every value a settable broker config has, most specific first (DescribeConfigs' synonyms): the dynamic broker
    /// config, the dynamic cluster default, the static config, Kafka's default; the first is the effective one.
    /// </summary>
    public IEnumerable<(string Value, ConfigSource Source)> Layers(BrokerConfigDefinition definition)
    {
        if (DynamicBrokerConfigs.TryGetValue(definition.Name, out var perBroker)) yield return (perBroker, ConfigSource.DynamicBrokerConfig);
        if (DynamicDefaults.TryGetValue(definition.Name, out var dynamic)) yield return (dynamic, ConfigSource.DynamicDefaultBrokerConfig);
        if (StaticConfigs.TryGetValue(definition.Name, out var value)) yield return (value, ConfigSource.StaticBrokerConfig);
        if (definition.Definition.DefaultValue is { } defaultValue) yield return (defaultValue, ConfigSource.DefaultConfig);
    }

    /// <summary>The rack of broker <paramref name="brokerId"/> (ids from 1), or null when broker.rack is not set.</summary>
    public string? RackOf(int brokerId) => Racks.Count switch
    {
        0 => null,
        1 => Racks[0],
        _ => brokerId >= 1 && brokerId <= Racks.Count ? Racks[brokerId - 1] : null,
    };

    // Every settable config's effective value applied, over Kafka's defaults.
    private ClusterSettings Resolved()
    {
        var settings = this;
        var topicDefaults = new Dictionary<string, (string, ConfigSource)>();
        foreach (var definition in BrokerConfigCatalog.All.Where(d => d.IsSettable))
        {
            var (value, source) = Resolve(definition);
            if (value is null) continue;
            if (definition.Apply is { } apply) settings = apply(settings, value);
            if (definition.TopicConfigName is not null && source != ConfigSource.DefaultConfig) topicDefaults[definition.Name] = (value, source);
        }
        return settings with { TopicDefaults = TopicConfig.WithBrokerDefaults(topicDefaults) };
    }
}
