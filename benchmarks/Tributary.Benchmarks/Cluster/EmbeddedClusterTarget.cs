using Tributary.Broker;

namespace Tributary.Benchmarks.Cluster;

/// <summary>The embedded Tributary cluster as a benchmark target.</summary>
internal sealed class EmbeddedClusterTarget : IBenchmarkTarget
{
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly short _replicationFactor;

    private EmbeddedClusterTarget(EmbeddedKafkaCluster cluster, int brokers, short replicationFactor)
    {
        _cluster = cluster;
        _replicationFactor = replicationFactor;
        Brokers = brokers;
        Name = $"embedded ({brokers} broker{(brokers == 1 ? "" : "s")}{(replicationFactor < Math.Min(brokers, 3) ? $", RF {replicationFactor}" : "")})";
    }

    public string Name { get; }

    public int Brokers { get; }

    public bool IsManaged => true;

    public string BootstrapServers => _cluster.BootstrapServers;

    /// <summary>
    /// A cluster of <paramref name="brokers"/> whose topics get <paramref name="replicationFactor"/> replicas (by
    /// default as many as there are brokers, at most 3).
    /// </summary>
    public static async Task<EmbeddedClusterTarget> StartAsync(int brokers, CancellationToken cancellationToken, short? replicationFactor = null)
    {
        var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = brokers }, cancellationToken);
        return new EmbeddedClusterTarget(cluster, brokers, replicationFactor ?? (short)Math.Min(brokers, 3));
    }

    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken) =>
        _cluster.CreateTopicAsync(name, partitions, _replicationFactor, cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
