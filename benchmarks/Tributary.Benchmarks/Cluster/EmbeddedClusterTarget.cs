using System.Diagnostics;
using Tributary.Broker;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// The embedded Tributary cluster as a benchmark target, on one listener: PLAINTEXT, SSL (TLS with the certificates
/// the cluster creates) or SASL_SSL (the same TLS, clients logging in with SCRAM-SHA-512); in memory, or with a data
/// directory (a temporary one, deleted afterwards) so the logs are written to segment files; keeping each partition's whole
/// log, or bounded as librdkafka's mock bounds its partitions (<see cref="MockRetention"/>).
/// </summary>
internal sealed class EmbeddedClusterTarget : IBenchmarkTarget
{
    private const string User = "bench";
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly short _replicationFactor;
    private readonly string? _dataDirectory;
    private readonly IReadOnlyDictionary<string, string>? _topicConfigs;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly TimeSpan _isrCheckInterval;

    private EmbeddedClusterTarget(EmbeddedKafkaCluster cluster, int brokers, KafkaSecurityProtocol protocol, short replicationFactor, string? dataDirectory,
        LogRetention retention, TimeSpan isrCheckInterval, ServerWindow window)
    {
        _cluster = cluster;
        Meter = window;
        _isrCheckInterval = isrCheckInterval;
        _dataDirectory = dataDirectory;
        _replicationFactor = replicationFactor;
        _topicConfigs = MockRetention.TopicConfigs(retention);
        Brokers = brokers;
        SecurityProtocol = protocol.ToKafkaName();
        var security = protocol == KafkaSecurityProtocol.Plaintext ? "" : $", {SecurityProtocol}";
        var factor = replicationFactor < Math.Min(brokers, 3) ? $", RF {replicationFactor}" : "";
        var disk = dataDirectory is null ? "" : ", data dir";
        var bounded = retention == LogRetention.Mock ? ", mock's retention" : "";
        Name = $"embedded ({brokers} broker{(brokers == 1 ? "" : "s")}{security}{factor}{disk}{bounded})";
        ClientConfig = cluster.GetClientConfig(user: protocol.UsesSasl() ? User : null, saslMechanism: protocol.UsesSasl() ? "SCRAM-SHA-512" : null);
    }

    public string Name { get; }

    public int Brokers { get; }

    public ICostMeter Meter { get; }

    public bool IsManaged => true;

    public string SecurityProtocol { get; }

    public IReadOnlyDictionary<string, string> ClientConfig { get; }

    /// <summary>
    /// A cluster of <paramref name="brokers"/> on one <paramref name="protocol"/> listener whose topics get
    /// <paramref name="replicationFactor"/> replicas (by default as many as there are brokers, at most 3), keeping its
    /// logs in a temporary data directory when <paramref name="onDisk"/>, each partition bounded as <paramref name="retention"/> says;
    /// this process's costs measured by <paramref name="window"/>.
    /// </summary>
    public static async Task<EmbeddedClusterTarget> StartAsync(int brokers, ServerWindow window, CancellationToken cancellationToken,
        KafkaSecurityProtocol protocol = KafkaSecurityProtocol.Plaintext, short? replicationFactor = null, bool onDisk = false,
        LogRetention retention = LogRetention.Whole)
    {
        var dataDirectory = onDisk ? Path.Combine(Path.GetTempPath(), "tributary-bench-" + Guid.NewGuid().ToString("N")) : null;
        var options = new EmbeddedKafkaOptions
        {
            Brokers = brokers,
            Listeners = [new ListenerOptions(protocol)],
            Users = new Dictionary<string, string> { [User] = "bench-secret" },
            DataDirectory = dataDirectory,
            BrokerConfigs = MockRetention.BrokerConfigs(retention),
        };
        var cluster = await EmbeddedKafkaCluster.StartAsync(options, cancellationToken);
        // The brokers check for lagging followers every replica.lag.time.max.ms / 2, as Kafka does.
        return new EmbeddedClusterTarget(cluster, brokers, protocol, replicationFactor ?? (short)Math.Min(brokers, 3), dataDirectory, retention,
            options.ReplicaLagTimeMax / 2, window);
    }

    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken, bool deletesEarly = false) =>
        _cluster.CreateTopicAsync(name, partitions, _replicationFactor, deletesEarly && _topicConfigs is not null ? MockRetention.DeletesEarlyTopicConfigs : _topicConfigs,
            cancellationToken);

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken) => _cluster.DeleteTopicAsync(name, cancellationToken);

    /// <summary>
    /// Waits until the brokers have checked once for lagging followers, 15 s after the cluster started (every
    /// replica.lag.time.max.ms / 2): the first check that finds a follower (on a 3-broker cluster the __consumer_offsets
    /// partitions have 3 replicas even when the benchmark's topics have 1) compiles the code that reads its progress and
    /// tiers the check up. A 3-broker cluster started after another one had its warm-up done 16 to 20 s after its start on
    /// the loaded 2-core machine, that first check only 1.6 to 3.2 s before the measured scenarios: a shorter warm-up on a
    /// quieter machine would measure it (docs/benchmarks.md, "Tenth round: what the 3-broker cluster compiled while
    /// measured"). The later checks run code compiled by then.
    /// </summary>
    public async Task WaitForPeriodicWorkAsync(CancellationToken cancellationToken)
    {
        // The half second: the check runs on a thread-pool thread once its timer fires.
        var left = _isrCheckInterval + TimeSpan.FromMilliseconds(500) - Stopwatch.GetElapsedTime(_startedAt);
        if (left > TimeSpan.Zero) await Task.Delay(left, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_dataDirectory is not null) Directory.Delete(_dataDirectory, recursive: true);
    }
}
