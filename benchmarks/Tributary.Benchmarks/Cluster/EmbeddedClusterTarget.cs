using Tributary.Broker;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// The embedded Tributary cluster as a benchmark target, on one listener: PLAINTEXT, SSL (TLS with the certificates
/// the cluster creates) or SASL_SSL (the same TLS, clients logging in with SCRAM-SHA-512).
/// </summary>
internal sealed class EmbeddedClusterTarget : IBenchmarkTarget
{
    private const string User = "bench";
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly short _replicationFactor;

    private EmbeddedClusterTarget(EmbeddedKafkaCluster cluster, int brokers, KafkaSecurityProtocol protocol, short replicationFactor)
    {
        _cluster = cluster;
        _replicationFactor = replicationFactor;
        Brokers = brokers;
        SecurityProtocol = protocol.ToKafkaName();
        var security = protocol == KafkaSecurityProtocol.Plaintext ? "" : $", {SecurityProtocol}";
        var factor = replicationFactor < Math.Min(brokers, 3) ? $", RF {replicationFactor}" : "";
        Name = $"embedded ({brokers} broker{(brokers == 1 ? "" : "s")}{security}{factor})";
        ClientConfig = cluster.GetClientConfig(user: protocol.UsesSasl() ? User : null, saslMechanism: protocol.UsesSasl() ? "SCRAM-SHA-512" : null);
    }

    public string Name { get; }

    public int Brokers { get; }

    public bool IsManaged => true;

    public string SecurityProtocol { get; }

    public IReadOnlyDictionary<string, string> ClientConfig { get; }

    /// <summary>
    /// A cluster of <paramref name="brokers"/> on one <paramref name="protocol"/> listener whose topics get
    /// <paramref name="replicationFactor"/> replicas (by default as many as there are brokers, at most 3).
    /// </summary>
    public static async Task<EmbeddedClusterTarget> StartAsync(int brokers, CancellationToken cancellationToken,
        KafkaSecurityProtocol protocol = KafkaSecurityProtocol.Plaintext, short? replicationFactor = null)
    {
        var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = brokers,
            Listeners = [new ListenerOptions(protocol)],
            Users = new Dictionary<string, string> { [User] = "bench-secret" },
        }, cancellationToken);
        return new EmbeddedClusterTarget(cluster, brokers, protocol, replicationFactor ?? (short)Math.Min(brokers, 3));
    }

    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken) =>
        _cluster.CreateTopicAsync(name, partitions, _replicationFactor, cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
