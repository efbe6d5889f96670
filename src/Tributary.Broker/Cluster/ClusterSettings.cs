using System.Globalization;
using Tributary.Broker.Groups;

namespace Tributary.Broker.Cluster;

/// <summary>The cluster-wide settings the controller and the handlers read (taken from <see cref="EmbeddedKafkaOptions"/>).</summary>
internal sealed record ClusterSettings(
    bool AutoCreateTopics,
    int DefaultPartitions,
    short DefaultReplicationFactor,
    TimeSpan GroupInitialRebalanceDelay,
    int MaxRequestSize,
    TimeSpan RetentionCheckInterval)
{
    /// <summary>The broker configs <see cref="EmbeddedKafkaOptions.BrokerConfigs"/> accepts, by their Kafka names.</summary>
    public static IReadOnlyList<string> KnownBrokerConfigs { get; } =
    [
        "unclean.leader.election.enable", "min.insync.replicas", "replica.lag.time.max.ms", "default.replication.factor", "num.partitions",
        "group.consumer.heartbeat.interval.ms", "group.consumer.session.timeout.ms", "group.consumer.max.size", "group.consumer.assignors",
        "broker.rack", "replica.selector.class",
    ];

    /// <summary>The one replica selector Kafka ships: consumers read from a replica in their rack (KIP-392).</summary>
    public const string RackAwareReplicaSelectorClass = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

    /// <summary>broker.rack: one rack for every broker, or one per broker in id order; empty when not set.</summary>
    public IReadOnlyList<string> Racks { get; init; } = [];

    /// <summary>replica.selector.class is Kafka's rack-aware selector: leaders send consumers to a replica in their rack.</summary>
    public bool RackAwareReplicaSelector { get; init; }

    /// <summary>replica.lag.time.max.ms: how long a follower may go without catching up before it leaves the ISR.</summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What a new topic's configs default to: Kafka's defaults, or the broker's where its configs set them.</summary>
    public TopicConfig TopicDefaults { get; init; } = TopicConfig.Defaults;

    /// <summary>broker.session.timeout.ms: how long the controller waits for heartbeats of an isolated broker before fencing it.</summary>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromSeconds(9);

    /// <summary>The cluster's clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The group coordinator's settings (DescribeConfigs reports the consumer group ones).</summary>
    public GroupCoordinatorOptions Groups { get; init; } = new();

    /// <summary>Whether requests are authorized with ACLs (reported as authorizer.class.name).</summary>
    public bool EnableAuthorizer { get; init; }

    /// <summary>super.users: the principals allowed everything.</summary>
    public IReadOnlyList<string> SuperUsers { get; init; } = [];

    /// <summary>allow.everyone.if.no.acl.found.</summary>
    public bool AllowEveryoneIfNoAclFound { get; init; }

    /// <summary>The settings of a cluster built from <paramref name="options"/>; broker configs by Kafka name win over the typed options.</summary>
    /// <exception cref="ArgumentException">A broker config is unknown or its value invalid.</exception>
    public static ClusterSettings From(EmbeddedKafkaOptions options)
    {
        var configs = options.BrokerConfigs;
        foreach (var (name, value) in configs)
        {
            if (!KnownBrokerConfigs.Contains(name))
                throw new ArgumentException($"Unknown broker config '{name}'; known: {string.Join(", ", KnownBrokerConfigs)}.", nameof(options));
            var valid = name switch
            {
                "unclean.leader.election.enable" => bool.TryParse(value, out _),
                "group.consumer.assignors" => value.Split(',').All(assignor => ConsumerGroupAssignors.Known.ContainsKey(assignor.Trim())),
                "broker.rack" => value.Split(',') is var racks && (racks.Length == 1 || racks.Length == options.Brokers) && racks.All(r => r.Trim().Length > 0),
                "replica.selector.class" => value == RackAwareReplicaSelectorClass,
                _ => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number > 0,
            };
            if (!valid) throw new ArgumentException($"Invalid value '{value}' for broker config '{name}'.", nameof(options));
        }
        long Number(string name, long fallback) => configs.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : fallback;

        var topicDefaults = configs.Where(c => c.Key is "unclean.leader.election.enable" or "min.insync.replicas").ToDictionary(c => c.Key, c => c.Value);
        return new ClusterSettings(
            options.AutoCreateTopics, (int)Number("num.partitions", options.DefaultPartitions), (short)Number("default.replication.factor", options.DefaultReplicationFactor),
            options.GroupInitialRebalanceDelay, options.MaxRequestSize, options.RetentionCheckInterval)
        {
            ReplicaLagTimeMax = TimeSpan.FromMilliseconds(Number("replica.lag.time.max.ms", (long)options.ReplicaLagTimeMax.TotalMilliseconds)),
            TopicDefaults = TopicConfig.WithBrokerDefaults(topicDefaults),
            BrokerSessionTimeout = options.BrokerSessionTimeout,
            Time = options.TimeProvider,
            Groups = GroupCoordinatorOptions.From(options),
            EnableAuthorizer = options.EnableAuthorizer,
            SuperUsers = options.SuperUsers,
            AllowEveryoneIfNoAclFound = options.AllowEveryoneIfNoAclFound,
            Racks = configs.TryGetValue("broker.rack", out var rackList) ? rackList.Split(',').Select(r => r.Trim()).ToList() : [],
            RackAwareReplicaSelector = configs.ContainsKey("replica.selector.class"),
        };
    }

    /// <summary>The rack of broker <paramref name="brokerId"/> (ids from 1), or null when broker.rack is not set.</summary>
    public string? RackOf(int brokerId) => Racks.Count switch
    {
        0 => null,
        1 => Racks[0],
        _ => brokerId >= 1 && brokerId <= Racks.Count ? Racks[brokerId - 1] : null,
    };
}
