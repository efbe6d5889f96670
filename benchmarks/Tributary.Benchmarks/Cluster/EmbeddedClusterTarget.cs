using Tributary.Broker;

namespace Tributary.Benchmarks.Cluster;

/// <summary>The embedded Tributary cluster as a benchmark target.</summary>
internal sealed class EmbeddedClusterTarget : IBenchmarkTarget
{
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly short _replicationFactor;

    private EmbeddedClusterTarget(EmbeddedKafkaCluster cluster, int brokers)
    {
        _cluster = cluster;
        _replicationFactor = (short)Math.Min(brokers, 3);
        Brokers = brokers;
        Name = $"embedded ({brokers} broker{(brokers == 1 ? "" : "s")})";
    }

    public string Name { get; }

    public int Brokers { get; }

    public bool IsManaged => true;

    public string BootstrapServers => _cluster.BootstrapServers;

    public static async Task<EmbeddedClusterTarget> StartAsync(int brokers, CancellationToken cancellationToken)
    {
        var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = brokers }, cancellationToken);
        return new EmbeddedClusterTarget(cluster, brokers);
    }

    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken) =>
        _cluster.CreateTopicAsync(name, partitions, _replicationFactor, cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
