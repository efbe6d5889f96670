namespace Tributary.Broker.Cluster;

/// <summary>The cluster-wide settings the controller and the handlers read (taken from <see cref="EmbeddedKafkaOptions"/>).</summary>
internal sealed record ClusterSettings(
    bool AutoCreateTopics,
    int DefaultPartitions,
    short DefaultReplicationFactor,
    TimeSpan GroupInitialRebalanceDelay,
    int MaxRequestSize,
    TimeSpan RetentionCheckInterval,
    bool EnableAuthorizer,
    IReadOnlyList<string> SuperUsers,
    bool AllowEveryoneIfNoAclFound)
{
    /// <summary>The settings a cluster built from default options has.</summary>
    public static ClusterSettings From(EmbeddedKafkaOptions options) => new(
        options.AutoCreateTopics, options.DefaultPartitions, options.DefaultReplicationFactor,
        options.GroupInitialRebalanceDelay, options.MaxRequestSize, options.RetentionCheckInterval,
        options.EnableAuthorizer, options.SuperUsers, options.AllowEveryoneIfNoAclFound);
}
