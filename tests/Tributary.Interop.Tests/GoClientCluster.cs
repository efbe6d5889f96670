using Tributary.Broker;

namespace Tributary.Interop.Tests;

/// <summary>
/// One 3-broker cluster without auto-created topics for the tests of one Go client; the client is built while the
/// cluster starts.
/// </summary>
public abstract class GoClientCluster : IAsyncLifetime
{
    private readonly GoProgram _client;

    private protected GoClientCluster(GoProgram client) => _client = client;

    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var build = _client.BuildOnceAsync();
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, AutoCreateTopics = false });
        await build;
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
