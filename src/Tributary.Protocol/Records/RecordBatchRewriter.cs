using System.Buffers.Binary;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// In-place edits a broker makes to a stored batch. Base offset and partition leader epoch lie outside the CRC,
/// so setting them keeps the batch valid without touching the records; LogAppendTime changes CRC-covered fields,
/// so that edit recomputes the CRC.
/// </summary>
public static class RecordBatchRewriter
{
    /// <summary>Sets the base offset (the offset the broker assigns to the first record).</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(Header(batch)[BaseOffsetOffset..], baseOffset);

    /// <summary>Sets the partition leader epoch of the broker appending the batch.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int partitionLeaderEpoch) =>
        BinaryPrimitives.WriteInt32BigEndian(Header(batch)[PartitionLeaderEpochOffset..], partitionLeaderEpoch);

    /// <summary>
    /// Marks the batch as LogAppendTime with <paramref name="appendTime"/> as its maxTimestamp (which every record
    /// then reports as its timestamp), and recomputes the CRC. <paramref name="batch"/> must hold exactly one batch.
    /// </summary>
    public static void SetLogAppendTime(Span<byte> batch, long appendTime)
    {
        var header = Header(batch);
        var attributes = (RecordBatchAttributes)BinaryPrimitives.ReadInt16BigEndian(header[AttributesOffset..]);
        BinaryPrimitives.WriteInt16BigEndian(header[AttributesOffset..], (short)(attributes | RecordBatchAttributes.LogAppendTime));
        BinaryPrimitives.WriteInt64BigEndian(header[MaxTimestampOffset..], appendTime);
        UpdateCrc(batch);
    }

    /// <summary>Recomputes and stores the CRC after CRC-covered bytes changed.</summary>
    public static void UpdateCrc(Span<byte> batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], new RecordBatchHeader(batch).ComputeCrc());

    private static Span<byte> Header(Span<byte> batch)
    {
        if (batch.Length < HeaderSize) throw new TruncatedDataException("record batch header", 0, HeaderSize, batch.Length);
        return batch[..HeaderSize];
    }
}
