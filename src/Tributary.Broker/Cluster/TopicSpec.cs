namespace Tributary.Broker.Cluster;

/// <summary>What CreateTopics asks for.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Partitions">The partition count, or -1 for the cluster default.</param>
/// <param name="ReplicationFactor">The replication factor, or -1 for the cluster default.</param>
/// <param name="Assignments">Explicit replicas per partition (then both counts must be -1), or null.</param>
/// <param name="Configs">Config overrides, or null.</param>
internal sealed record TopicSpec(
    string Name,
    int Partitions = -1,
    short ReplicationFactor = -1,
    IReadOnlyList<IReadOnlyList<int>>? Assignments = null,
    IReadOnlyDictionary<string, string?>? Configs = null);
