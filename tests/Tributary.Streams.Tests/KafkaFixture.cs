using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Tributary.Streams.Tests;

/// <summary>
/// The only place tests reach a Kafka cluster. Today it is librdkafka's in-process mock cluster (three brokers,
/// created through librdkafka's mock API so topics get exact partition counts, which the mock's CreateTopics lacks);
/// switching to the embedded Tributary cluster means rewriting this file only.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private const string Librdkafka = "librdkafka";
    private static int uniqueCounter;
    private readonly IntPtr handle;
    private readonly IntPtr cluster;

    static KafkaFixture()
    {
        // Confluent.Kafka picks the librdkafka build that loads on this machine; bind the mock API to the same file.
        Library.Load();
        NativeLibrary.SetDllImportResolver(typeof(KafkaFixture).Assembly, (name, _, _) => name == Librdkafka ? LoadLibrdkafka() : IntPtr.Zero);
    }

    public KafkaFixture()
    {
        var error = new System.Text.StringBuilder(512);
        handle = rd_kafka_new(0, rd_kafka_conf_new(), error, (UIntPtr)error.Capacity);
        if (handle == IntPtr.Zero)
            throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        cluster = rd_kafka_mock_cluster_new(handle, 3);
        // Group joins would otherwise wait three seconds for more members.
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        BootstrapServers = Marshal.PtrToStringAnsi(rd_kafka_mock_cluster_bootstraps(cluster))!;
    }

    /// <summary>Bootstrap servers of the cluster.</summary>
    public string BootstrapServers { get; }

    /// <summary>A name no other test uses.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref uniqueCounter)}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Creates a topic with the given number of partitions.</summary>
    public Task CreateTopicAsync(string name, int partitions)
    {
        var code = rd_kafka_mock_topic_create(cluster, name, partitions, 1);
        return code == 0 ? Task.CompletedTask : Task.FromException(new InvalidOperationException($"Creating topic {name} failed with code {code}."));
    }

    /// <summary>Delays every broker response by <paramref name="roundTrip"/> until the returned handle is disposed.</summary>
    public IDisposable SlowDownBrokers(TimeSpan roundTrip)
    {
        SetRoundTrip((int)roundTrip.TotalMilliseconds);
        return new Restore(() => SetRoundTrip(0));
    }

    /// <summary>Makes the cluster answer the next <paramref name="count"/> requests of an API with an error.</summary>
    public void FailNextRequests(short apiKey, ErrorCode error, int count = 1)
    {
        var errors = Enumerable.Repeat((int)error, count).ToArray();
        var code = rd_kafka_mock_push_request_errors_array(cluster, apiKey, (UIntPtr)errors.Length, errors);
        if (code != 0)
            throw new InvalidOperationException($"Injecting errors failed with code {code}.");
    }

    private void SetRoundTrip(int milliseconds)
    {
        for (var broker = 1; broker <= 3; broker++)
            rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Client properties suited to this cluster: the mock answers fetches only after fetch.wait.max.ms.</summary>
    public IReadOnlyDictionary<string, string> ConsumerProperties(string groupId) => new Dictionary<string, string>
    {
        ["bootstrap.servers"] = BootstrapServers,
        ["group.id"] = groupId,
        ["auto.offset.reset"] = "earliest",
        ["fetch.wait.max.ms"] = "20",
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "200",
        ["topic.metadata.refresh.interval.ms"] = "1000",
    };

    /// <summary>Producer properties for this cluster.</summary>
    public IReadOnlyDictionary<string, string> ProducerProperties() => new Dictionary<string, string>
    {
        ["bootstrap.servers"] = BootstrapServers,
        ["linger.ms"] = "1",
    };

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(handle);
    }

    private static IntPtr LoadLibrdkafka()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64") ? "linux-arm64" : "linux-x64", "native");
        foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
            if (NativeLibrary.TryLoad(Path.Combine(native, file), out var loaded))
                return loaded;
        return NativeLibrary.Load(Librdkafka);
    }

    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_conf_new();
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_new(int type, IntPtr conf, System.Text.StringBuilder errstr, UIntPtr errstrSize);
    [DllImport(Librdkafka)] private static extern void rd_kafka_destroy(IntPtr rk);
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);
    [DllImport(Librdkafka)] private static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);
    [DllImport(Librdkafka)] private static extern int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
    [DllImport(Librdkafka)] private static extern int rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);
    [DllImport(Librdkafka)] private static extern int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int brokerId, int rttMs);
    [DllImport(Librdkafka)] private static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "kafka";
}
