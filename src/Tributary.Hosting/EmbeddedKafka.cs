using Tributary.Broker;

namespace Tributary.Hosting;

/// <summary>
/// The embedded cluster that <see cref="TributaryHostingExtensions.AddEmbeddedKafka"/> runs for the host: started with
/// the host (before hosted services registered after it), stopped with it.
/// </summary>
public sealed class EmbeddedKafka
{
    private EmbeddedKafkaCluster? _cluster;

    /// <summary>The running cluster.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it (or has stopped it).</exception>
    public EmbeddedKafkaCluster Cluster => _cluster ?? throw new InvalidOperationException("The embedded Kafka cluster runs only while the host runs; start the host first.");

    /// <summary>The running cluster's bootstrap servers.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it (or has stopped it).</exception>
    public string BootstrapServers => Cluster.BootstrapServers;

    internal EmbeddedKafkaCluster? Current => _cluster;

    internal void Set(EmbeddedKafkaCluster? cluster) => _cluster = cluster;
}
