using System.Text;
using BenchmarkDotNet.Attributes;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Benchmarks.Protocol;

/// <summary>
/// Encoding and decoding one batch of 1000 records with 100-byte values, per codec. Each benchmark counts as
/// 1000 operations, so Mean and Allocated are per record.
/// </summary>
[MemoryDiagnoser]
public class RecordBatchBenchmarks
{
    private const int RecordCount = 1000;
    private const int ValueSize = 100;

    private byte[][] _keys = [];
    private byte[][] _values = [];
    private byte[] _batch = [];
    private readonly PooledBufferWriter _output = new(256 * 1024);

    /// <summary>The codec of the batch.</summary>
    [Params(CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd)]
    public CompressionCodec Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // JSON-like values: what a typical topic carries, and compressible the way real payloads are.
        var random = new Random(42);
        _keys = Enumerable.Range(0, RecordCount).Select(i => Encoding.UTF8.GetBytes($"user-{i:D5}")).ToArray();
        _values = Enumerable.Range(0, RecordCount).Select(i =>
        {
            var json = $"{{\"id\":{i},\"user\":\"user-{i:D5}\",\"score\":{random.Next(100_000)},\"active\":{(i % 2 == 0 ? "true" : "false")},\"tags\":[\"a\",\"b\"]";
            return Encoding.UTF8.GetBytes(json.PadRight(ValueSize - 1) + "}");
        }).ToArray();
        Encode();
        _batch = _output.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _output.Dispose();

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public int Encode()
    {
        _output.Clear();
        using var builder = new RecordBatchBuilder(_output, new RecordBatchOptions { Compression = Codec });
        for (var i = 0; i < RecordCount; i++) builder.Append(1_700_000_000_000 + i, _keys[i], _values[i]);
        return builder.Complete();
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public long Decode()
    {
        var batch = RecordBatch.Read(_batch);
        long sum = 0;
        using var records = batch.ReadRecords();
        foreach (var record in records) sum += record.Key.Length + record.Value.Length + record.Offset;
        return sum;
    }
}
