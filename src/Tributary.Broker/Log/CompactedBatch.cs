using System.Buffers.Binary;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Broker.Log;

/// <summary>One record of a stored batch as the cleaner sees it: its offset, key, whether it is a tombstone, and its encoded fields.</summary>
/// <param name="Offset">The record's offset.</param>
/// <param name="Timestamp">Its create time (base timestamp plus delta).</param>
/// <param name="Key">A copy of its key, or null for a keyless record.</param>
/// <param name="IsTombstone">True when its value is null.</param>
/// <param name="Attributes">The record attributes byte.</param>
/// <param name="OffsetDelta">The offset delta, kept as it is so offsets never change.</param>
/// <param name="Rest">The encoded key, value and headers, copied unchanged.</param>
internal readonly record struct CleanerRecord(long Offset, long Timestamp, byte[]? Key, bool IsTombstone, sbyte Attributes, int OffsetDelta, ReadOnlyMemory<byte> Rest);

/// <summary>
/// Reads the records of a stored batch and writes the batch again with only the records the cleaner keeps, as
/// Kafka's cleaner does: same base offset, last offset delta, producer fields, sequence and leader epoch (so
/// offsets stay monotonic and idempotent producers stay valid), the records' offset deltas unchanged (gaps are
/// fine), the same codec, and optionally a delete horizon (KIP-534: attribute bit 6, the horizon in baseTimestamp,
/// record timestamp deltas taken from it).
/// </summary>
internal static class CompactedBatch
{
    /// <summary>The records of <paramref name="batch"/>; keys and encoded fields are copied, so they outlive a decompression buffer.</summary>
    public static List<CleanerRecord> ReadRecords(ReadOnlyMemory<byte> batch)
    {
        var header = new RecordBatchHeader(batch.Span);
        var baseOffset = header.BaseOffset;
        var baseTimestamp = header.BaseTimestamp;
        var result = new List<CleanerRecord>(header.RecordCount);
        using var records = RecordBatch.Read(batch).ReadRecords();
        var reader = new KafkaReader(records.Bytes);
        while (!reader.End)
        {
            var body = reader.ReadRawMemory(reader.ReadVarInt());
            var fields = new KafkaReader(body);
            var attributes = fields.ReadInt8();
            var timestampDelta = fields.ReadVarLong();
            var offsetDelta = fields.ReadVarInt();
            var rest = body[fields.Position..];
            var keyLength = fields.ReadVarInt();
            var key = keyLength < 0 ? null : fields.ReadRawSpan(keyLength).ToArray();
            var tombstone = fields.ReadVarInt() < 0;
            result.Add(new CleanerRecord(baseOffset + offsetDelta, baseTimestamp + timestampDelta, key, tombstone, attributes, offsetDelta, rest.ToArray()));
        }
        return result;
    }

    /// <summary>
    /// Appends to <paramref name="output"/> a copy of <paramref name="original"/> holding only <paramref name="retained"/>,
    /// with <paramref name="deleteHorizon"/> as its delete horizon when not negative. An empty batch (kept for its
    /// producer's sequence) is uncompressed, as Kafka writes them. Returns the new batch's max timestamp.
    /// </summary>
    public static long Write(PooledBufferWriter output, ReadOnlySpan<byte> original, IReadOnlyList<CleanerRecord> retained, long deleteHorizon)
    {
        var header = new RecordBatchHeader(original);
        var codec = retained.Count == 0 ? CompressionCodec.None : header.Compression;
        var baseTimestamp = deleteHorizon >= 0 ? deleteHorizon : retained.Count > 0 ? retained[0].Timestamp : header.BaseTimestamp;
        var logAppendTime = header.TimestampType == TimestampType.LogAppendTime;
        var maxTimestamp = logAppendTime || retained.Count == 0 ? header.MaxTimestamp : retained.Max(r => r.Timestamp);

        var start = output.WrittenCount;
        output.GetSpan(HeaderSize)[..HeaderSize].Clear();
        output.Advance(HeaderSize);
        using (var scratch = codec == CompressionCodec.None ? null : new PooledBufferWriter(4096))
        {
            var writer = new KafkaWriter(scratch ?? output);
            foreach (var record in retained)
            {
                var timestampDelta = record.Timestamp - baseTimestamp;
                writer.WriteVarInt(1 + VarLongSize(timestampDelta) + VarLongSize(record.OffsetDelta) + record.Rest.Length);
                writer.WriteInt8(record.Attributes);
                writer.WriteVarLong(timestampDelta);
                writer.WriteVarInt(record.OffsetDelta);
                writer.WriteRaw(record.Rest.Span);
            }
            if (scratch is not null) KafkaCompression.Compress(codec, scratch.WrittenSpan, output);
        }

        var batch = output.WrittenSpanMutable[start..];
        original[..HeaderSize].CopyTo(batch);
        var attributes = (header.Attributes & ~(RecordBatchAttributes.CompressionMask | RecordBatchAttributes.DeleteHorizon)) | (RecordBatchAttributes)(short)codec;
        if (deleteHorizon >= 0) attributes |= RecordBatchAttributes.DeleteHorizon;
        BinaryPrimitives.WriteInt32BigEndian(batch[BatchLengthOffset..], batch.Length - LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)attributes);
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseTimestampOffset..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordCountOffset..], retained.Count);
        RecordBatchRewriter.UpdateCrc(batch);
        return maxTimestamp;
    }

    /// <summary>Bytes of a zigzag varint (varlong) holding <paramref name="value"/>.</summary>
    private static int VarLongSize(long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var size = 1;
        while ((zigzag >>= 7) != 0) size++;
        return size;
    }

    /// <summary>The delete horizon a batch carries (KIP-534), or -1.</summary>
    public static long DeleteHorizon(ReadOnlySpan<byte> batch)
    {
        var header = new RecordBatchHeader(batch);
        return (header.Attributes & RecordBatchAttributes.DeleteHorizon) != 0 ? header.BaseTimestamp : -1;
    }
}
