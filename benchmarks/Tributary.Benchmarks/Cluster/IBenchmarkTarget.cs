namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// A Kafka cluster that the benchmark clients (each in a child process) connect to: hosted in this process, or in a server
/// process of its own (<see cref="ServerProcess"/>).
/// </summary>
internal interface IBenchmarkTarget : IAsyncDisposable
{
    /// <summary>The name in the result table, e.g. "embedded (3 brokers)".</summary>
    string Name { get; }

    /// <summary>How many brokers the cluster has; each is compared with the mock of as many brokers.</summary>
    int Brokers { get; }

    /// <summary>Measures what the process hosting the cluster spends while a client runs.</summary>
    ICostMeter Meter { get; }

    /// <summary>True when the broker is managed code, so this process's allocations are the broker's.</summary>
    bool IsManaged { get; }

    /// <summary>The listener's security protocol (PLAINTEXT, SSL, SASL_SSL): secured targets are compared with the plaintext one of as many brokers.</summary>
    string SecurityProtocol { get; }

    /// <summary>What clients need to connect (librdkafka names): bootstrap list and, on secured listeners, TLS and SASL settings.</summary>
    IReadOnlyDictionary<string, string> ClientConfig { get; }

    /// <summary>
    /// Creates a topic with exactly <paramref name="partitions"/> partitions; with <paramref name="deletesEarly"/>, on a
    /// target whose partitions are bounded as the mock's are, one that keeps a small fraction of that bound, so that the
    /// broker starts deleting segments soon after messages arrive (<see cref="MockRetention.DeletesEarlyTopicConfigs"/>).
    /// </summary>
    Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken, bool deletesEarly = false);

    /// <summary>Deletes a topic and its data.</summary>
    Task DeleteTopicAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Returns once the cluster has run the periodic work that falls within a benchmark's life at least once, so the code it
    /// runs is compiled before anything is measured (at the end of the warm-up).
    /// </summary>
    Task WaitForPeriodicWorkAsync(CancellationToken cancellationToken);
}
