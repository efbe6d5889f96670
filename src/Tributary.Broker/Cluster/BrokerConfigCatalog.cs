using System.Globalization;

namespace Tributary.Broker.Cluster;

/// <summary>The broker configs that DescribeConfigs reports, with the values the embedded cluster really uses.</summary>
internal static class BrokerConfigCatalog
{
    /// <summary>Every reported broker config of <paramref name="broker"/>: static when set by the cluster's options, else Kafka's default.</summary>
    public static IReadOnlyList<DescribedConfig> Describe(BrokerNode broker, ClusterSettings settings)
    {
        var listener = string.Join(',', broker.Endpoints.Select(e => $"{e.ListenerName}://{e.Address}"));
        var protocolMap = string.Join(',', broker.Endpoints.Select(e => $"{e.ListenerName}:{e.SecurityProtocol.ToKafkaName()}"));
        var set = new (ConfigDefinition Definition, string? Value)[]
        {
            (new("broker.id", ConfigType.Int, "-1", "The broker id.", ReadOnly: true), Invariant(broker.Id)),
            (new("node.id", ConfigType.Int, "-1", "The node id.", ReadOnly: true), Invariant(broker.Id)),
            (new("listeners", ConfigType.String, null, "Listener addresses.", ReadOnly: true), listener),
            (new("advertised.listeners", ConfigType.String, null, "Addresses advertised to clients.", ReadOnly: true), listener),
            (new("listener.security.protocol.map", ConfigType.String, "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                "The security protocol of each listener.", ReadOnly: true), protocolMap),
            (new("auto.create.topics.enable", ConfigType.Boolean, "true", "Whether Metadata creates unknown topics.", ReadOnly: true), settings.AutoCreateTopics ? "true" : "false"),
            (new("num.partitions", ConfigType.Int, "1", "Default partition count of new topics."), Invariant(settings.DefaultPartitions)),
            (new("default.replication.factor", ConfigType.Int, "1", "Default replication factor of new topics."), Invariant(settings.DefaultReplicationFactor)),
            (new("group.initial.rebalance.delay.ms", ConfigType.Int, "3000", "Delay before the first rebalance of a new group.", ReadOnly: true), Invariant((long)settings.GroupInitialRebalanceDelay.TotalMilliseconds)),
            (new("group.consumer.heartbeat.interval.ms", ConfigType.Int, "5000", "How often consumer-protocol group members heartbeat.", ReadOnly: true),
                Invariant((long)settings.Groups.ConsumerHeartbeatInterval.TotalMilliseconds)),
            (new("group.consumer.session.timeout.ms", ConfigType.Int, "45000", "How long a consumer-protocol group member lives without heartbeats.", ReadOnly: true),
                Invariant((long)settings.Groups.ConsumerSessionTimeout.TotalMilliseconds)),
            (new("group.consumer.max.size", ConfigType.Int, "2147483647", "The most members a consumer-protocol group may have.", ReadOnly: true),
                Invariant(settings.Groups.ConsumerMaxSize)),
            (new("group.consumer.assignors", ConfigType.List, "uniform,range", "The server-side assignors of consumer-protocol groups, the first being the default.", ReadOnly: true),
                string.Join(',', settings.Groups.ConsumerAssignors)),
            (new("log.retention.check.interval.ms", ConfigType.Long, "300000", "How often logs are checked for deletable data.", ReadOnly: true),
                Invariant((long)settings.RetentionCheckInterval.TotalMilliseconds)),
            (new("socket.request.max.bytes", ConfigType.Int, "104857600", "Largest request accepted.", ReadOnly: true), Invariant(settings.MaxRequestSize)),
            (new("broker.rack", ConfigType.String, null, "The rack of the broker.", ReadOnly: true), broker.Rack),
            (new("replica.selector.class", ConfigType.String, null, "How a leader picks the replica a consumer should read from.", ReadOnly: true),
                settings.RackAwareReplicaSelector ? ClusterSettings.RackAwareReplicaSelectorClass : null),
            (new("replica.lag.time.max.ms", ConfigType.Long, "30000", "How long a follower may lag before it leaves the ISR.", ReadOnly: true),
                Invariant((long)settings.ReplicaLagTimeMax.TotalMilliseconds)),
            // What tools read to tell "no authorizer" from "no ACLs" (librdkafka drops DescribeAcls' SECURITY_DISABLED).
            (new("authorizer.class.name", ConfigType.String, "", "The authorizer; empty when requests are not authorized.", ReadOnly: true),
                settings.EnableAuthorizer ? StandardAuthorizer : ""),
            (new("super.users", ConfigType.List, null, "Principals allowed everything, separated by semicolons.", ReadOnly: true),
                settings.SuperUsers.Count == 0 ? null : string.Join(';', settings.SuperUsers)),
            (new("allow.everyone.if.no.acl.found", ConfigType.Boolean, "false", "Whether a resource no ACL applies to is open to everyone.", ReadOnly: true),
                settings.AllowEveryoneIfNoAclFound ? "true" : "false"),
        };
        var defaults = new ConfigDefinition[]
        {
            new("delete.topic.enable", ConfigType.Boolean, "true", "Whether topics can be deleted.", ReadOnly: true),
            new("group.min.session.timeout.ms", ConfigType.Int, "6000", "Smallest session timeout a member may ask for.", ReadOnly: true),
            new("group.max.session.timeout.ms", ConfigType.Int, "1800000", "Largest session timeout a member may ask for.", ReadOnly: true),
            new("offsets.topic.replication.factor", ConfigType.Short, "3", "Replication factor of the offsets topic.", ReadOnly: true),
            new("transaction.state.log.replication.factor", ConfigType.Short, "3", "Replication factor of the transaction topic.", ReadOnly: true),
            new("transaction.max.timeout.ms", ConfigType.Int, "900000", "Largest transaction timeout a producer may ask for.", ReadOnly: true),
        };
        // Topic defaults are broker configs too, under their broker names.
        var topicDefaults = TopicConfigCatalog.All
            .Where(d => d.BrokerSynonym is not null)
            .Select(d => (Definition: d with { Name = d.BrokerSynonym!, BrokerSynonym = null, ValidValues = null }, Value: settings.TopicDefaults.Resolve(d)))
            .Select(d => new DescribedConfig(d.Definition, d.Value.Value, d.Value.Source));

        return set.Select(c => new DescribedConfig(c.Definition, c.Value,
                c.Value == c.Definition.DefaultValue ? ConfigSource.DefaultConfig : ConfigSource.StaticBrokerConfig))
            .Concat(defaults.Select(d => new DescribedConfig(d, d.DefaultValue, ConfigSource.DefaultConfig)))
            .Concat(topicDefaults)
            .DistinctBy(c => c.Definition.Name)
            .ToList();
    }

    /// <summary>The class name a KRaft broker with ACLs reports.</summary>
    private const string StandardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
