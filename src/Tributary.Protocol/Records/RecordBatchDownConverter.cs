using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Records;

/// <summary>What one down-conversion produced.</summary>
/// <param name="RecordsConverted">Records written as messages.</param>
/// <param name="BytesWritten">Bytes of the message set written.</param>
public readonly record struct DownConversionResult(int RecordsConverted, int BytesWritten);

/// <summary>
/// Converts stored magic-2 record batches into a magic 0 or 1 message set for a client that fetches with a version
/// older than record batches (Fetch v0-1: magic 0, v2-3: magic 1), as Kafka 3.x's down-conversion does.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Control batches (transaction markers) are left out; records of transactions are kept, aborted ones
/// included: these clients cannot ask for read_committed.</item>
/// <item>Headers, producer ids and sequences are dropped; magic 0 drops timestamps too. LogAppendTime batches give
/// every message (and a wrapper) the append time and the timestamp-type attribute.</item>
/// <item>An uncompressed batch becomes one message per record at or after the fetch offset; a compressed one becomes
/// a wrapper with all its records, compressed again with the same codec (LZ4 framed for the target magic).</item>
/// <item>zstd cannot be expressed in these formats: <see cref="UnsupportedCompressionException"/>, which Kafka answers
/// with UNSUPPORTED_COMPRESSION_TYPE.</item>
/// <item>The first batch is always converted and written whole, whatever its size, so a consumer can make progress
/// (Kafka's lazy down-conversion sends at least the first converted batch); after it, output stops at whole messages
/// before passing the size limit, where Kafka would send the cut-off bytes of a partial message that clients skip.</item>
/// </list>
/// </remarks>
public static class RecordBatchDownConverter
{
    /// <summary>The message format a fetch of <paramref name="fetchVersion"/> (0-3) can read.</summary>
    public static sbyte MagicForFetchVersion(short fetchVersion) => fetchVersion <= 1 ? (sbyte)0 : (sbyte)1;

    /// <summary>Appends <paramref name="batches"/> converted to <paramref name="toMagic"/> to <paramref name="output"/>.</summary>
    /// <param name="batches">Whole magic-2 batches back to back, as the log stores them.</param>
    /// <param name="toMagic">0 or 1.</param>
    /// <param name="fetchOffset">The offset the client asked for: earlier records of uncompressed batches are left out.</param>
    /// <param name="sizeLimit">The most bytes to write, except that the first batch is written whole whatever its size.</param>
    /// <param name="output">Where the message set is written.</param>
    /// <exception cref="UnsupportedCompressionException">A batch to convert is zstd-compressed.</exception>
    public static DownConversionResult Convert(ReadOnlyMemory<byte> batches, sbyte toMagic, long fetchOffset, int sizeLimit, PooledBufferWriter output)
    {
        if (toMagic is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(toMagic), toMagic, "Down-conversion targets magic 0 or 1.");
        var start = output.WrittenCount;
        var converted = 0;
        using var scratch = new PooledBufferWriter();
        for (var rest = batches; !rest.IsEmpty;)
        {
            var batch = RecordBatch.Read(rest);
            rest = rest[batch.Bytes.Length..];
            var header = batch.Header;
            if (header.IsControl || header.RecordCount == 0) continue;
            if (header.Compression == CompressionCodec.Zstd) throw new UnsupportedCompressionException((int)CompressionCodec.Zstd);

            // Each batch is converted on its own so that it can be dropped whole when it would pass the limit.
            scratch.Clear();
            var count = ConvertBatch(batch, toMagic, fetchOffset, scratch);
            if (count == 0) continue;
            var written = output.WrittenCount - start;
            if (written == 0 || written + scratch.WrittenCount <= sizeLimit)
            {
                new KafkaWriter(output).WriteRaw(scratch.WrittenSpan);
                converted += count;
                continue;
            }
            // Over the limit: keep the uncompressed messages that still fit, whole; a wrapper goes whole or not at all.
            if (header.Compression == CompressionCodec.None) converted += CopyWholeEntries(scratch.WrittenMemory, sizeLimit - written, output);
            break;
        }
        return new DownConversionResult(converted, output.WrittenCount - start);
    }

    private static int ConvertBatch(RecordBatch batch, sbyte toMagic, long fetchOffset, PooledBufferWriter output)
    {
        var header = batch.Header;
        var codec = header.Compression;
        long? logAppendTime = header.TimestampType == TimestampType.LogAppendTime ? header.MaxTimestamp : null;
        using var builder = new LegacyMessageSetBuilder(output, toMagic, codec, logAppendTime);
        using var records = batch.ReadRecords();
        foreach (var record in records)
        {
            // A wrapper keeps every record of the batch: its offsets only make sense whole.
            if (codec == CompressionCodec.None && record.Offset < fetchOffset) continue;
            builder.Append(record.Offset, record.Timestamp, record.Key.Span, record.IsKeyNull, record.Value.Span, record.IsValueNull);
        }
        builder.Complete();
        return builder.Count;
    }

    private static int CopyWholeEntries(ReadOnlyMemory<byte> messages, int room, PooledBufferWriter output)
    {
        var copied = 0;
        var length = 0;
        foreach (var entry in LegacyMessageSet.ReadEntries(messages))
        {
            if (length + entry.Bytes.Length > room) break;
            length += entry.Bytes.Length;
            copied++;
        }
        new KafkaWriter(output).WriteRaw(messages.Span[..length]);
        return copied;
    }
}
