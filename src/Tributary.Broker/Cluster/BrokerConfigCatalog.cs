using System.Globalization;
using Tributary.Broker.Groups;

namespace Tributary.Broker.Cluster;

/// <summary>
/// Every broker config the embedded cluster knows, by its Kafka name: the one place that says what a config is
/// (type, Kafka's default, valid values, whether it is dynamic) and what it does (the cluster setting it drives).
/// <see cref="EmbeddedKafkaOptions.BrokerConfigs"/>, <c>tributary broker --config</c>, DescribeConfigs,
/// IncrementalAlterConfigs and AlterConfigs all read it.
/// </summary>
/// <remarks>
/// Dynamic configs are the ones Kafka updates as a cluster-wide default (its "cluster-wide" update mode): the
/// broker defaults of topic configs (log.retention.ms, message.max.bytes, min.insync.replicas, ...). The others are
/// read-only, as in Kafka: they need a restart (here, a new cluster). The embedded brokers share their logs and
/// settings, so a dynamic value set on one broker applies to every broker.
/// </remarks>
internal static class BrokerConfigCatalog
{
    /// <summary>The class name a KRaft broker with ACLs reports.</summary>
    private const string StandardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    public static IReadOnlyList<BrokerConfigDefinition> All { get; } = Build();

    private static readonly Dictionary<string, BrokerConfigDefinition> ByName = All.ToDictionary(d => d.Name);

    /// <summary>The definition of <paramref name="name"/>, or null for a broker config the cluster does not know.</summary>
    public static BrokerConfigDefinition? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// Why a broker config cannot be set to <paramref name="value"/> at start-up (unknown, fixed by the cluster's
    /// shape, or an invalid value), or null when it can.
    /// </summary>
    public static string? Problem(string name, string? value) => Find(name) switch
    {
        null => $"Unknown broker config '{name}' (see docs/embedded-cluster.md#broker-configs for the known ones).",
        { IsSettable: false } => $"Broker config '{name}' is decided by the cluster's options, it cannot be set.",
        var definition => definition.Definition.Problem(value),
    };

    /// <summary>
    /// Every broker config of <paramref name="broker"/> with its effective value and source: the cluster's shape
    /// for the fixed ones, else the dynamic cluster default, the static config or Kafka's default.
    /// </summary>
    public static IEnumerable<DescribedConfig> Describe(BrokerNode broker, ClusterSettings settings) => All.Select(definition =>
    {
        if (definition.Fixed is { } value)
        {
            var fixedValue = value(broker, settings);
            return new DescribedConfig(definition.Definition, fixedValue,
                fixedValue == definition.Definition.DefaultValue ? ConfigSource.DefaultConfig : ConfigSource.StaticBrokerConfig);
        }
        var (resolved, source) = settings.Resolve(definition);
        return new DescribedConfig(definition.Definition, definition.OnBroker is { } onBroker ? onBroker(broker) : resolved, source);
    });

    /// <summary>The dynamic cluster-wide defaults, as DescribeConfigs lists them for the default broker resource (the empty name).</summary>
    public static IEnumerable<DescribedConfig> DescribeDynamicDefaults(ClusterSettings settings) =>
        settings.DynamicDefaults.Select(c => new DescribedConfig(Find(c.Key)!.Definition, c.Value, ConfigSource.DynamicDefaultBrokerConfig));

    private static List<BrokerConfigDefinition> Build()
    {
        List<BrokerConfigDefinition> configs =
        [
            Fixed("broker.id", ConfigType.Int, "-1", "The broker id.", (broker, _) => Invariant(broker.Id)),
            Fixed("node.id", ConfigType.Int, "-1", "The node id.", (broker, _) => Invariant(broker.Id)),
            Fixed("listeners", ConfigType.String, null, "Listener addresses.", (broker, _) => Listeners(broker)),
            Fixed("advertised.listeners", ConfigType.String, null, "Addresses advertised to clients.", (broker, _) => Listeners(broker)),
            Fixed("listener.security.protocol.map", ConfigType.String, "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                "The security protocol of each listener.",
                (broker, _) => string.Join(',', broker.Endpoints.Select(e => $"{e.ListenerName}:{e.SecurityProtocol.ToKafkaName()}"))),
            // What tools read to tell "no authorizer" from "no ACLs" (librdkafka drops DescribeAcls' SECURITY_DISABLED).
            Fixed("authorizer.class.name", ConfigType.String, "", "The authorizer; empty when requests are not authorized.",
                (_, settings) => settings.EnableAuthorizer ? StandardAuthorizer : ""),
            Fixed("super.users", ConfigType.List, null, "Principals allowed everything, separated by semicolons.",
                (_, settings) => settings.SuperUsers.Count == 0 ? null : string.Join(';', settings.SuperUsers)),
            Fixed("allow.everyone.if.no.acl.found", ConfigType.Boolean, "false", "Whether a resource no ACL applies to is open to everyone.",
                (_, settings) => settings.AllowEveryoneIfNoAclFound ? "true" : "false"),
            Fixed("delete.topic.enable", ConfigType.Boolean, "true", "Whether topics can be deleted.", (_, _) => "true"),

            new(new("broker.rack", ConfigType.String, null,
                    "The rack of the broker. One value puts every broker in that rack; a comma-separated list gives each broker its own, in broker id order.",
                    ReadOnly: true, Validator: value => value.Split(',').All(rack => rack.Trim().Length > 0)),
                Apply: (s, value) => s with { Racks = value.Split(',', StringSplitOptions.TrimEntries) },
                OnBroker: broker => broker.Rack),
            new(new("replica.selector.class", ConfigType.Class, null, "How a leader picks the replica a consumer should read from (KIP-392).",
                    ValidValues: [ClusterSettings.RackAwareReplicaSelectorClass], ReadOnly: true),
                Apply: (s, value) => s with { RackAwareReplicaSelector = value == ClusterSettings.RackAwareReplicaSelectorClass }),
            ReadOnly("auto.create.topics.enable", ConfigType.Boolean, "true", "Whether Metadata creates unknown topics.",
                o => Bool(o.AutoCreateTopics), (s, v) => s with { AutoCreateTopics = bool.Parse(v) }),
            ReadOnly("num.partitions", ConfigType.Int, "1", "Default partition count of new topics.",
                o => Invariant(o.DefaultPartitions), (s, v) => s with { DefaultPartitions = (int)Number(v) }, minimum: 1),
            ReadOnly("default.replication.factor", ConfigType.Int, "1", "Default replication factor of new topics.",
                o => Invariant(o.DefaultReplicationFactor), (s, v) => s with { DefaultReplicationFactor = (short)Number(v) }, minimum: 1),
            ReadOnly("replica.lag.time.max.ms", ConfigType.Long, "30000", "How long a follower may lag before it leaves the ISR.",
                o => Millis(o.ReplicaLagTimeMax), (s, v) => s with { ReplicaLagTimeMax = Duration(v) }, minimum: 1),
            ReadOnly("broker.session.timeout.ms", ConfigType.Int, "9000", "How long the controller waits for an isolated broker's heartbeats before fencing it.",
                o => Millis(o.BrokerSessionTimeout), (s, v) => s with { BrokerSessionTimeout = Duration(v) }, minimum: 1),
            ReadOnly("log.retention.check.interval.ms", ConfigType.Long, "300000", "How often logs are checked for deletable data.",
                o => Millis(o.RetentionCheckInterval), (s, v) => s with { RetentionCheckInterval = Duration(v) }, minimum: 1),
            ReadOnly("socket.request.max.bytes", ConfigType.Int, "104857600", "Largest request accepted.",
                o => Invariant(o.MaxRequestSize), (s, v) => s with { MaxRequestSize = (int)Number(v) }, minimum: 1),
            ReadOnly("offsets.topic.num.partitions", ConfigType.Int, "50",
                "Partitions of the offsets topic: a group's coordinator leads partition hash(group) modulo this count.",
                null, (s, v) => s with { OffsetsTopicPartitions = (int)Number(v) }, minimum: 1),
            ReadOnly("offsets.topic.replication.factor", ConfigType.Short, "3",
                "Replication factor of the offsets topic, created on first use (at most the running brokers).",
                null, (s, v) => s with { OffsetsTopicReplicationFactor = (short)Number(v) }, minimum: 1),
            ReadOnly("transaction.state.log.num.partitions", ConfigType.Int, "50",
                "Partitions of the transaction state topic: a transactional id's coordinator leads partition hash(id) modulo this count.",
                null, (s, v) => s with { TransactionStateLogPartitions = (int)Number(v) }, minimum: 1),
            ReadOnly("transaction.state.log.replication.factor", ConfigType.Short, "3",
                "Replication factor of the transaction state topic, created on first use (at most the running brokers).",
                null, (s, v) => s with { TransactionStateLogReplicationFactor = (short)Number(v) }, minimum: 1),
            ReadOnly("group.initial.rebalance.delay.ms", ConfigType.Int, "3000", "Delay before the first rebalance of a new group.",
                o => Millis(o.GroupInitialRebalanceDelay), (s, v) => s with { Groups = s.Groups with { InitialRebalanceDelay = Duration(v) } }, minimum: 0),
            ReadOnly("group.min.session.timeout.ms", ConfigType.Int, "6000", "Smallest session timeout a member may ask for.",
                o => Millis(o.GroupMinSessionTimeout), (s, v) => s with { Groups = s.Groups with { MinSessionTimeout = Duration(v) } }, minimum: 0),
            ReadOnly("group.max.session.timeout.ms", ConfigType.Int, "1800000", "Largest session timeout a member may ask for.",
                null, (s, v) => s with { Groups = s.Groups with { MaxSessionTimeout = Duration(v) } }, minimum: 0),
            ReadOnly("group.consumer.heartbeat.interval.ms", ConfigType.Int, "5000", "How often consumer-protocol group members heartbeat.",
                o => Millis(o.ConsumerGroupHeartbeatInterval), (s, v) => s with { Groups = s.Groups with { ConsumerHeartbeatInterval = Duration(v) } }, minimum: 1),
            ReadOnly("group.consumer.session.timeout.ms", ConfigType.Int, "45000", "How long a consumer-protocol group member lives without heartbeats.",
                o => Millis(o.ConsumerGroupSessionTimeout), (s, v) => s with { Groups = s.Groups with { ConsumerSessionTimeout = Duration(v) } }, minimum: 1),
            ReadOnly("group.consumer.max.size", ConfigType.Int, "2147483647", "The most members a consumer-protocol group may have.",
                o => Invariant(o.ConsumerGroupMaxSize), (s, v) => s with { Groups = s.Groups with { ConsumerMaxSize = (int)Number(v) } }, minimum: 1),
            new(new("group.consumer.assignors", ConfigType.List, "uniform,range",
                    "The server-side assignors of consumer-protocol groups, the first being the default.", ValidValues: ConsumerGroupAssignors.Known.Keys.ToList(), ReadOnly: true),
                o => string.Join(',', o.ConsumerGroupAssignors),
                (s, v) => s with { Groups = s.Groups with { ConsumerAssignors = v.Split(',', StringSplitOptions.TrimEntries).ToList() } }),
            ReadOnly("offsets.retention.minutes", ConfigType.Int, "10080",
                "How long committed offsets are kept after their group became empty (or after their commit, for groups without members' protocol).",
                o => Invariant((long)Math.Ceiling(o.OffsetsRetention.TotalMinutes)),
                (s, v) => s with { Groups = s.Groups with { OffsetsRetention = TimeSpan.FromMinutes(Number(v)) } }, minimum: 1),
            ReadOnly("offsets.retention.check.interval.ms", ConfigType.Long, "600000", "How often expired committed offsets are looked for.",
                o => Millis(o.OffsetsRetentionCheckInterval),
                (s, v) => s with { Groups = s.Groups with { OffsetsRetentionCheckInterval = Duration(v) } }, minimum: 1),
            ReadOnly("transaction.max.timeout.ms", ConfigType.Int, "900000", "Largest transaction timeout a producer may ask for.",
                o => Millis(o.TransactionMaxTimeout), (s, v) => s with { Transactions = s.Transactions with { MaxTimeout = Duration(v) } }, minimum: 1),
            ReadOnly("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.Int, "10000",
                "How often transactions past their timeout are aborted.",
                o => Millis(o.TransactionAbortCheckInterval), (s, v) => s with { Transactions = s.Transactions with { AbortCheckInterval = Duration(v) } }, minimum: 1),
        ];
        // Topic defaults are broker configs too, under their broker names, and dynamic (cluster-wide) as in Kafka.
        configs.AddRange(TopicConfigCatalog.All
            .Where(d => d.BrokerSynonym is not null)
            .Select(d => new BrokerConfigDefinition(d with { Name = d.BrokerSynonym!, BrokerSynonym = null, ReadOnly = false },
                TopicConfigName: d.Name)));
        return configs;
    }

    private static BrokerConfigDefinition Fixed(string name, ConfigType type, string? defaultValue, string documentation, Func<BrokerNode, ClusterSettings, string?> value) =>
        new(new(name, type, defaultValue, documentation, ReadOnly: true), Fixed: value);

    private static BrokerConfigDefinition ReadOnly(string name, ConfigType type, string defaultValue, string documentation,
        Func<EmbeddedKafkaOptions, string?>? fromOptions, Func<ClusterSettings, string, ClusterSettings> apply, long? minimum = null) =>
        new(new(name, type, defaultValue, documentation, ReadOnly: true, Minimum: minimum), fromOptions, apply);

    private static string Listeners(BrokerNode broker) => string.Join(',', broker.Endpoints.Select(e => $"{e.ListenerName}://{e.Address}"));

    private static long Number(string value) => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static TimeSpan Duration(string milliseconds) => TimeSpan.FromMilliseconds(Number(milliseconds));

    private static string Millis(TimeSpan duration) => Invariant((long)duration.TotalMilliseconds);

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
