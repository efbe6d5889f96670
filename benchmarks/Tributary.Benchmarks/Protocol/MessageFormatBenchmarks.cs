using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tributary.Broker;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Benchmarks.Protocol;

/// <summary>
/// What old message formats cost. Consume: reading a whole partition (100 batches of 100 records with 100-byte
/// values) from the embedded cluster over a socket with fetches of v4 (the stored batches as they are; the baseline),
/// v3 (converted down to format 1) and v1 (format 0), decoding each response far enough to know where to go on. Produce: the conversion of a 100-record format-1 message set
/// to a record batch, against validating and iterating a record batch of the same records, as a v3+ produce costs.
/// Each benchmark counts one operation per record, so Mean and Allocated are per record.
/// </summary>
[MemoryDiagnoser]
public class MessageFormatBenchmarks
{
    private const int Batches = 100;
    private const int RecordsPerBatch = 100;
    private const int ValueSize = 100;
    private const string Topic = "bench";

    private EmbeddedKafkaCluster _cluster = null!;
    private TcpClient _client = null!;
    private NetworkStream _stream = null!;
    private byte[] _batch = [];
    private byte[] _messageSet = [];
    private readonly PooledBufferWriter _output = new(1 << 20);
    private byte[] _response = new byte[1 << 20];

    /// <summary>The codec of the stored batches and of the produced message set.</summary>
    [Params(CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Lz4)]
    public CompressionCodec Codec { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var values = Enumerable.Range(0, RecordsPerBatch)
            .Select(i => Encoding.UTF8.GetBytes($"{{\"id\":{i},\"user\":\"user-{i:D5}\",\"active\":true}}".PadRight(ValueSize))).ToArray();
        using (var builder = new RecordBatchBuilder(_output, new RecordBatchOptions { Compression = Codec }))
        {
            for (var i = 0; i < RecordsPerBatch; i++) builder.Append(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"user-{i:D5}"), values[i]);
            builder.Complete();
        }
        _batch = _output.ToArray();
        _output.Clear();
        RecordBatchDownConverter.Convert(_batch, 1, 0, int.MaxValue, _output);
        _messageSet = _output.ToArray();

        _cluster = await EmbeddedKafkaCluster.StartAsync();
        await _cluster.CreateTopicAsync(Topic, configs: new Dictionary<string, string> { ["retention.ms"] = "-1" });
        _client = new TcpClient();
        await _client.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        _stream = _client.GetStream();
        for (var i = 0; i < Batches; i++)
        {
            RoundTrip(new ProduceRequest { Acks = 1, TopicData = [new() { Name = Topic, PartitionData = [new() { Index = 0, Records = _batch }] }] }, 9);
        }
        // Every consume must read the whole partition, or the comparison would be of different work.
        foreach (var version in new short[] { 4, 3, 1 })
        {
            var records = Consume(version);
            if (records != Batches * RecordsPerBatch) throw new InvalidOperationException($"Fetch v{version} read {records} records, not {Batches * RecordsPerBatch}.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
        _output.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batches * RecordsPerBatch)]
    public long ConsumeRecordBatches() => Consume(4);

    [Benchmark(OperationsPerInvoke = Batches * RecordsPerBatch)]
    public long ConsumeConvertedToFormat1() => Consume(3);

    [Benchmark(OperationsPerInvoke = Batches * RecordsPerBatch)]
    public long ConsumeConvertedToFormat0() => Consume(1);

    [Benchmark(OperationsPerInvoke = RecordsPerBatch)]
    public long ValidateRecordBatch()
    {
        var batch = RecordBatch.Read(_batch);
        batch.Validate();
        long sum = 0;
        using var records = batch.ReadRecords();
        foreach (var record in records) sum += record.Value.Length;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = RecordsPerBatch)]
    public int ConvertFormat1MessageSet()
    {
        _output.Clear();
        return LegacyMessageSetConverter.ToRecordBatch(_messageSet, _output, new LegacyConversionOptions());
    }

    /// <summary>
    /// Reads the partition from offset 0 to its end with fetches of <paramref name="version"/>, as a consumer does (each
    /// fetch returns what one stretch of the log holds), and returns the offset reached: the number of records.
    /// </summary>
    private long Consume(short version)
    {
        long offset = 0;
        while (offset < Batches * RecordsPerBatch)
        {
            var request = new FetchRequest
            {
                ReplicaId = -1, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 64 << 20, SessionEpoch = -1,
                Topics = [new() { Topic = Topic, Partitions = [new() { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 64 << 20 }] }],
            };
            var size = RoundTrip(request, version);
            var reader = new KafkaReader(_response.AsMemory(0, size));
            reader.ReadInt32(); // correlation id
            var response = (FetchResponse)ApiKeys.Get(ApiKey.Fetch).ReadResponse(ref reader, version);
            offset = NextOffset(response.Responses[0].Partitions[0].Records!.Value, version);
        }
        return offset;
    }

    /// <summary>The offset after the last record of a fetched partition: from batch headers, or the last message (a wrapper's is its last record's).</summary>
    private static long NextOffset(ReadOnlyMemory<byte> records, short version)
    {
        if (version < 4) return LegacyMessageSet.ReadEntries(records, allowPartialTail: true)[^1].Offset + 1;
        long next = 0;
        for (var rest = records; RecordBatch.TryRead(rest, out var batch); rest = rest[batch.Bytes.Length..]) next = batch.Header.LastOffset + 1;
        return next;
    }

    private int RoundTrip(IKafkaRequest request, short version)
    {
        _output.Clear();
        ProtocolBytes.WriteRequestFrame(_output, request, version, correlationId: 1, clientId: "bench");
        _stream.Write(_output.WrittenSpan);

        Span<byte> prefix = stackalloc byte[4];
        _stream.ReadExactly(prefix);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (_response.Length < size) _response = new byte[size];
        _stream.ReadExactly(_response, 0, size);
        return size;
    }
}
