using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

/// <summary>A record as plain data, to write with the builder and compare with what the reader yields.</summary>
public sealed record TestRecord(long Timestamp, byte[]? Key, byte[]? Value, (string Key, byte[]? Value)[] Headers)
{
    public static TestRecord Of(long timestamp, string? key, string? value, params (string Key, string? Value)[] headers) =>
        new(timestamp, Bytes(key), Bytes(value), headers.Select(h => (h.Key, Bytes(h.Value))).ToArray());

    private static byte[]? Bytes(string? text) => text is null ? null : System.Text.Encoding.UTF8.GetBytes(text);

    /// <summary>Builds one batch of <paramref name="records"/>.</summary>
    public static byte[] Batch(IEnumerable<TestRecord> records, RecordBatchOptions? options = null)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, options))
        {
            foreach (var record in records) record.AppendTo(builder);
            builder.Complete();
        }
        return output.ToArray();
    }

    public static byte[] Batch(CompressionCodec codec, params TestRecord[] records) =>
        Batch(records, new RecordBatchOptions { Compression = codec });

    public void AppendTo(RecordBatchBuilder builder) =>
        builder.Append(Timestamp, Key, Value, Headers.Select(h => new RecordHeader(h.Key, h.Value)).ToArray());

    /// <summary>Reads every record of a single batch back as plain data.</summary>
    public static List<TestRecord> ReadAll(byte[] batchBytes)
    {
        var batch = RecordBatch.Read(batchBytes);
        var result = new List<TestRecord>();
        using var records = batch.ReadRecords();
        foreach (var record in records) result.Add(From(record));
        return result;
    }

    public static TestRecord From(RecordView record)
    {
        var headers = new List<(string, byte[]?)>();
        foreach (var header in record.Headers) headers.Add((header.Key, header.IsValueNull ? null : header.Value.ToArray()));
        return new TestRecord(record.Timestamp,
            record.IsKeyNull ? null : record.Key.ToArray(),
            record.IsValueNull ? null : record.Value.ToArray(),
            headers.ToArray());
    }

    // Records hold arrays, so compare them by content.
    public bool Equals(TestRecord? other) =>
        other is not null && Timestamp == other.Timestamp && SameBytes(Key, other.Key) && SameBytes(Value, other.Value)
        && Headers.Length == other.Headers.Length
        && Headers.Zip(other.Headers).All(p => p.First.Key == p.Second.Key && SameBytes(p.First.Value, p.Second.Value));

    public override int GetHashCode() => HashCode.Combine(Timestamp, Key?.Length, Value?.Length, Headers.Length);

    private static bool SameBytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
