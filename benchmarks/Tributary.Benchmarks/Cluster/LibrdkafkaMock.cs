using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// librdkafka's mock cluster API, bound to the same native library Confluent.Kafka loaded. The mock is made
/// through this API rather than with test.mock.num.brokers because its CreateTopics never finds a controller,
/// and only rd_kafka_mock_topic_create gives a topic an exact partition count. (The Streams tests' KafkaFixture
/// binds the same functions for the same reason.)
/// </summary>
internal sealed class LibrdkafkaMock : IDisposable
{
    private const string Librdkafka = "librdkafka";
    private const int ProducerType = 0;

    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;

    static LibrdkafkaMock()
    {
        Library.Load();
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMock).Assembly, (name, _, _) => name == Librdkafka ? LoadLibrdkafka() : IntPtr.Zero);
    }

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers, owned by a client handle of its own.</summary>
    public LibrdkafkaMock(int brokers)
    {
        var error = new StringBuilder(512);
        var conf = rd_kafka_conf_new();
        // The owning handle never connects anywhere; its notice about a missing bootstrap.servers is noise.
        rd_kafka_conf_set(conf, "log_level", "4", error, (UIntPtr)error.Capacity);
        _handle = rd_kafka_new(ProducerType, conf, error, (UIntPtr)error.Capacity);
        if (_handle == IntPtr.Zero) throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        _cluster = rd_kafka_mock_cluster_new(_handle, brokers);
        if (_cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(_handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }
        BootstrapServers = Marshal.PtrToStringAnsi(rd_kafka_mock_cluster_bootstraps(_cluster))!;
    }

    /// <summary>The mock's bootstrap list.</summary>
    public string BootstrapServers { get; }

    /// <summary>Creates a topic with exactly <paramref name="partitions"/> partitions.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor)
    {
        var code = rd_kafka_mock_topic_create(_cluster, name, partitions, replicationFactor);
        if (code != 0) throw new InvalidOperationException($"Creating topic {name} on the mock failed with librdkafka error {code}.");
    }

    /// <summary>Deletes a topic and its messages.</summary>
    public void DeleteTopic(string name)
    {
        var code = rd_kafka_mock_topic_delete(_cluster, name);
        if (code != 0) throw new InvalidOperationException($"Deleting topic {name} on the mock failed with librdkafka error {code}.");
    }

    /// <summary>Stops the mock cluster and its owning handle.</summary>
    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_handle);
    }

    private static IntPtr LoadLibrdkafka()
    {
        var platform = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64";
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", platform, "native");
        foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(native, file), out var loaded)) return loaded;
        }
        return NativeLibrary.Load(Librdkafka);
    }

    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_conf_new();
    [DllImport(Librdkafka)] private static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);
    [DllImport(Librdkafka)] private static extern void rd_kafka_destroy(IntPtr rk);
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);
    [DllImport(Librdkafka)] private static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);
    [DllImport(Librdkafka)] private static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);
    [DllImport(Librdkafka)] private static extern int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
    [DllImport(Librdkafka)] private static extern int rd_kafka_mock_topic_delete(IntPtr cluster, string topic);
}
