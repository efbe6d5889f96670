using System.Buffers.Binary;
using Tributary.Protocol.Checksums;
using Tributary.Protocol.Compression;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// A read-only view of the 61-byte header of a magic-2 record batch. Reads each field from the underlying
/// bytes on access; allocates nothing.
/// </summary>
public readonly ref struct RecordBatchHeader
{
    private readonly ReadOnlySpan<byte> _batch;

    /// <summary>Creates a view over a buffer that starts with a batch header.</summary>
    /// <exception cref="TruncatedDataException">Fewer than <see cref="RecordBatchLayout.HeaderSize"/> bytes.</exception>
    public RecordBatchHeader(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < HeaderSize) throw new TruncatedDataException("record batch header", 0, HeaderSize, batch.Length);
        _batch = batch;
    }

    /// <summary>The offset of the first record, assigned by the broker.</summary>
    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_batch[BaseOffsetOffset..]);

    /// <summary>The number of bytes after the batchLength field.</summary>
    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(_batch[BatchLengthOffset..]);

    /// <summary>The whole batch size: <see cref="BatchLength"/> plus the 12 bytes before it.</summary>
    public long TotalSize => (long)BatchLength + LogOverhead;

    /// <summary>The leader epoch of the broker that appended the batch (-1 from a producer).</summary>
    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_batch[PartitionLeaderEpochOffset..]);

    /// <summary>The message format version; 2 for record batches.</summary>
    public sbyte Magic => (sbyte)_batch[MagicOffset];

    /// <summary>The stored CRC-32C of the bytes from the attributes field to the end of the batch.</summary>
    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_batch[CrcOffset..]);

    /// <summary>The raw attributes field.</summary>
    public RecordBatchAttributes Attributes => (RecordBatchAttributes)BinaryPrimitives.ReadInt16BigEndian(_batch[AttributesOffset..]);

    /// <summary>The compression codec id from attribute bits 0-2, as stored (possibly an undefined 5-7).</summary>
    public int CompressionId => (int)(Attributes & RecordBatchAttributes.CompressionMask);

    /// <summary>The compression codec.</summary>
    /// <exception cref="UnsupportedCompressionException">Attribute bits 0-2 hold 5, 6 or 7.</exception>
    public CompressionCodec Compression => KafkaCompression.FromAttributes((short)Attributes);

    /// <summary>Whether the timestamps are create times or the broker's append time.</summary>
    public TimestampType TimestampType =>
        (Attributes & RecordBatchAttributes.LogAppendTime) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    /// <summary>True when the batch belongs to a transaction.</summary>
    public bool IsTransactional => (Attributes & RecordBatchAttributes.Transactional) != 0;

    /// <summary>True when the batch holds a control record (commit or abort marker).</summary>
    public bool IsControl => (Attributes & RecordBatchAttributes.Control) != 0;

    /// <summary>The offset delta of the last record; records removed by compaction do not change it.</summary>
    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_batch[LastOffsetDeltaOffset..]);

    /// <summary>The offset of the last record of the batch.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>The timestamp that record timestamp deltas are relative to (the first record's timestamp).</summary>
    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(_batch[BaseTimestampOffset..]);

    /// <summary>The largest record timestamp, or the append time for <see cref="TimestampType.LogAppendTime"/>.</summary>
    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_batch[MaxTimestampOffset..]);

    /// <summary>The idempotent or transactional producer id; -1 when none.</summary>
    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_batch[ProducerIdOffset..]);

    /// <summary>The producer epoch; -1 when none.</summary>
    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_batch[ProducerEpochOffset..]);

    /// <summary>The sequence number of the first record; -1 when none.</summary>
    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_batch[BaseSequenceOffset..]);

    /// <summary>The number of records the batch declares.</summary>
    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(_batch[RecordCountOffset..]);

    /// <summary>Computes the CRC-32C the batch should carry: over the bytes from attributes to the end given by batchLength.</summary>
    /// <exception cref="InvalidLengthException">batchLength is below the header size.</exception>
    /// <exception cref="TruncatedDataException">The view ends before the batch does.</exception>
    public uint ComputeCrc()
    {
        var total = TotalSize;
        if (total < HeaderSize) throw new InvalidLengthException($"Record batch length {BatchLength} is smaller than the {MinimumBatchLength} bytes of a header.");
        if (total > _batch.Length) throw new TruncatedDataException("record batch", 0, total, _batch.Length);
        return Crc32C.Compute(_batch[AttributesOffset..(int)total]);
    }
}
