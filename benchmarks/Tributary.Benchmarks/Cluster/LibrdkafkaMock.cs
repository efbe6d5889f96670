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
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int LargestMmapThreshold = 32 * 1024 * 1024; // glibc's largest on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)

    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;

    static LibrdkafkaMock()
    {
        KeepFreedMemory();
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

    /// <summary>
    /// Sets this process's C allocator (glibc's malloc, which the mock's buffers come from) to keep what is freed and to serve
    /// requests of up to 32 MiB from its heaps: the mock at its cheapest, and the same in every run.
    /// </summary>
    /// <remarks>
    /// Measured reason: by default glibc hands a large request fresh pages (mmap) until a free raises its threshold, and gives
    /// a heap's free top back to the kernel, so whether the mock's fetch and produce buffers cost page faults changed from one
    /// run to the next: the mock's CPU per message followed its page faults, 0.10-0.15 µs per consumed message with 0.4 B a
    /// message faulted in, 0.29-0.47 with 60-105, and 0.075-0.082 µs per produced message with none, 0.10-0.13 with 15
    /// (docs/benchmarks.md, issue 20, "Nineteenth round"). Fixing both thresholds turns glibc's adjustment off. The embedded
    /// broker's memory is the managed heap, which does not come from malloc.
    /// </remarks>
    private static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (mallopt(MallocTrimThreshold, int.MaxValue) == 0 || mallopt(MallocMmapThreshold, LargestMmapThreshold) == 0)
            Console.WriteLine("Could not set the C allocator's thresholds (mallopt): the mock's page faults may vary between runs.");
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
    [DllImport("libc")] private static extern int mallopt(int parameter, int value);
}
