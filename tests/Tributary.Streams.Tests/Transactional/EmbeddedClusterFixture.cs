using Tributary.Broker;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>A three-broker embedded Tributary cluster shared by the exactly-once tests.</summary>
public sealed class EmbeddedClusterFixture : IAsyncLifetime
{
    private EmbeddedKafkaCluster? cluster;

    public EmbeddedKafkaCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public string BootstrapServers => Cluster.BootstrapServers;

    public async Task InitializeAsync() =>
        cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, AutoCreateTopics = false });

    public async Task DisposeAsync()
    {
        if (cluster is not null)
            await cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedClusterCollection : ICollectionFixture<EmbeddedClusterFixture>
{
    public const string Name = "embedded-cluster";
}
