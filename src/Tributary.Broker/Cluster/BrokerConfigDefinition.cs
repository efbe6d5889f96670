namespace Tributary.Broker.Cluster;

/// <summary>
/// One broker config of the catalog: its definition (name, type, Kafka's default, validation; <c>ReadOnly</c> false
/// for the configs Kafka updates dynamically as a cluster-wide default), and how it reaches the cluster.
/// </summary>
/// <param name="Definition">Name, type, default, documentation and validation; not read-only when dynamic.</param>
/// <param name="FromOptions">The value a typed <see cref="EmbeddedKafkaOptions"/> property gives it, or null when none does.</param>
/// <param name="Apply">Sets the effective value on the cluster's settings; null for topic defaults (see <paramref name="TopicConfigName"/>) and fixed configs.</param>
/// <param name="TopicConfigName">For the broker default of a topic config (log.retention.ms for retention.ms): that topic config.</param>
/// <param name="Fixed">For configs the cluster's shape decides (broker.id, listeners, ...): the value on a broker. They cannot be set.</param>
/// <param name="OnBroker">For configs set for every broker at once but valued per broker (broker.rack): the value on a broker.</param>
internal sealed record BrokerConfigDefinition(
    ConfigDefinition Definition,
    Func<EmbeddedKafkaOptions, string?>? FromOptions = null,
    Func<ClusterSettings, string, ClusterSettings>? Apply = null,
    string? TopicConfigName = null,
    Func<BrokerNode, ClusterSettings, string?>? Fixed = null,
    Func<BrokerNode, string?>? OnBroker = null)
{
    /// <summary>The config's Kafka name.</summary>
    public string Name => Definition.Name;

    /// <summary>Whether IncrementalAlterConfigs and AlterConfigs may change it at run time (as a cluster-wide default).</summary>
    public bool IsDynamic => !Definition.ReadOnly;

    /// <summary>Whether <see cref="EmbeddedKafkaOptions.BrokerConfigs"/> (and <c>tributary broker --config</c>) may set it.</summary>
    public bool IsSettable => Fixed is null;
}
