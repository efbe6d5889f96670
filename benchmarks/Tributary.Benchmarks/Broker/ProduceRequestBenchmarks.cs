using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Broker.Groups;
using Tributary.Broker.Handlers;
using Tributary.Broker.Network;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Transactions;
using Tributary.Protocol.Checksums;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Benchmarks.Broker;

/// <summary>
/// What the broker's own code costs per produce request, without the network: an encoded Produce v9 frame (acks=1,
/// <see cref="Partitions"/> partitions of one topic, each a batch of 200 records with 100-byte values, as librdkafka sends
/// them) handed to the request dispatcher as a connection hands it, decoded, validated (CRC-32C included), appended to
/// the partitions' logs, answered, and the answer encoded. The baseline is the work no Kafka broker can skip for the same
/// bytes: the CRC-32C of each batch and one copy of it into log memory. Retention runs every 256 requests (each
/// partition keeps its newest 5 MiB, in 1 MiB segments, as the cluster benchmark's topics do), so the logs reuse their
/// memory as in a long run.
/// </summary>
/// <remarks>
/// The cluster benchmark (docs/benchmarks.md, issue 20) measures the broker's CPU with the sockets and a real client; this
/// one takes the sockets, the event threads and the client's share of the caches away, to tell what is left of the
/// request's cost once the network is not part of it.
/// </remarks>
[MemoryDiagnoser]
public class ProduceRequestBenchmarks
{
    private const string Topic = "bench";
    private const int RecordsPerBatch = 200;
    private const int ValueSize = 100;
    private const int Frames = 64;
    private const int RequestsPerRetentionCheck = 256;

    private readonly BrokerNode _broker = new(1, "127.0.0.1") { IsAlive = true };
    private ClusterController _cluster = null!;
    private GroupCoordinator _groups = null!;
    private TransactionCoordinator _transactions = null!;
    private RequestDispatcher _dispatcher = null!;
    private ConnectionInfo _connection = null!;
    private ReadOnlyMemory<byte>[] _frames = [];
    private byte[][] _batches = [];
    private byte[] _log = [];
    private int _next;
    private int _logPosition;

    /// <summary>Partitions in each request: 1, or 3 as the 3-broker cluster benchmark's requests carry about.</summary>
    [Params(1, 3)]
    public int Partitions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _broker.SetPort(0, 9092);
        _cluster = new ClusterController(ClusterSettings.From(new EmbeddedKafkaOptions()), [_broker], NullLogger.Instance);
        _cluster.CreateTopic(new TopicSpec(Topic, Partitions: Partitions, ReplicationFactor: 1,
            Configs: new Dictionary<string, string?> { ["retention.bytes"] = "5242880", ["segment.bytes"] = "1048576" }));
        _groups = new GroupCoordinator(new GroupCoordinatorOptions(), TimeProvider.System, NullLogger.Instance);
        _transactions = new TransactionCoordinator(new TransactionCoordinatorOptions(), _cluster, _groups, TimeProvider.System, NullLogger.Instance);
        _dispatcher = new RequestDispatcher(new HandlerRegistry(BrokerHandlers.Create()), _cluster, _groups, _transactions,
            new UserCredentials(new Dictionary<string, string>()), TimeProvider.System, new RequestControls(),
            new Authorizer(false, [], true, NullLogger.Instance), NullLogger.Instance);
        _connection = new ConnectionInfo(_broker, ListenerDefinition.Plaintext, "127.0.0.1", 1);
        _batches = Enumerable.Range(0, Frames * Partitions)
            .Select(_ => ProtocolBytes.RecordBatch(RecordsPerBatch, ValueSize, _ => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ToArray();
        _frames = Enumerable.Range(0, Frames).Select(Frame).ToArray();
        _log = new byte[2 * Partitions * 5 * 1024 * 1024];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transactions.Dispose();
        _groups.Dispose();
    }

    /// <summary>CRC-32C of each batch of a request and one copy of it into memory cycling as a log's does.</summary>
    [Benchmark(Baseline = true)]
    public uint ChecksumAndCopy()
    {
        uint sum = 0;
        var first = _next++ % Frames * Partitions;
        for (var i = first; i < first + Partitions; i++)
        {
            var batch = _batches[i];
            sum += Crc32C.Compute(batch.AsSpan(RecordBatchLayout.AttributesOffset));
            if (_logPosition + batch.Length > _log.Length) _logPosition = 0;
            batch.CopyTo(_log.AsSpan(_logPosition));
            _logPosition += batch.Length;
        }
        return sum;
    }

    /// <summary>The request through the dispatcher, from its frame to its encoded response.</summary>
    [Benchmark]
    public async Task<int> Dispatch()
    {
        var outcome = await _dispatcher.ProcessAsync(_frames[_next % Frames], _connection, CancellationToken.None);
        var length = outcome.Response!.Length;
        outcome.Complete();
        if (++_next % RequestsPerRetentionCheck == 0) _cluster.ApplyRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return length;
    }

    private ReadOnlyMemory<byte> Frame(int index)
    {
        var topic = new ProduceRequest.TopicProduceData { Name = Topic };
        for (var partition = 0; partition < Partitions; partition++)
            topic.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = partition, Records = _batches[index * Partitions + partition] });
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 30_000, TopicData = [topic] };
        // A connection hands the dispatcher the frame without its length prefix.
        return ProtocolBytes.RequestFrame(request, 9, index, "rdkafka").AsMemory(4);
    }
}
