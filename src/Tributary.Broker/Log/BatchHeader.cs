using System.Buffers.Binary;
using System.Numerics;

namespace Tributary.Broker.Log;

/// <summary>
/// Reads and patches the fixed-layout header of a magic-2 record batch. The log only ever needs these
/// fields: it stores batches as they came and rewrites nothing but the base offset and the leader epoch
/// (and, for LogAppendTime topics, the timestamp fields with a fresh CRC).
/// </summary>
internal static class BatchHeader
{
    /// <summary>Bytes before the records: the whole fixed header.</summary>
    public const int Size = 61;

    /// <summary>Bytes counted by neither batchLength nor the CRC: baseOffset and batchLength themselves.</summary>
    public const int LogOverhead = 12;

    private const int BatchLengthOffset = 8;
    private const int LeaderEpochOffset = 12;
    private const int MagicOffset = 16;
    private const int CrcOffset = 17;
    private const int AttributesOffset = 21;
    private const int LastOffsetDeltaOffset = 23;
    private const int BaseTimestampOffset = 27;
    private const int MaxTimestampOffset = 35;
    private const int ProducerIdOffset = 43;
    private const int ProducerEpochOffset = 51;
    private const int BaseSequenceOffset = 53;
    private const int RecordCountOffset = 57;

    private const short TimestampTypeBit = 0x08;
    private const short TransactionalBit = 0x10;
    private const short ControlBit = 0x20;

    public static long BaseOffset(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);
    public static int BatchLength(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[BatchLengthOffset..]);
    public static int TotalSize(ReadOnlySpan<byte> batch) => BatchLength(batch) + LogOverhead;
    public static int LeaderEpoch(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[LeaderEpochOffset..]);
    public static sbyte Magic(ReadOnlySpan<byte> batch) => (sbyte)batch[MagicOffset];
    public static uint Crc(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]);
    public static short Attributes(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
    public static int LastOffsetDelta(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaOffset..]);
    public static long BaseTimestamp(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch[BaseTimestampOffset..]);
    public static long MaxTimestamp(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampOffset..]);
    public static long ProducerId(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch[ProducerIdOffset..]);
    public static short ProducerEpoch(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt16BigEndian(batch[ProducerEpochOffset..]);
    public static int BaseSequence(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[BaseSequenceOffset..]);
    public static int RecordCount(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountOffset..]);
    public static bool IsTransactional(ReadOnlySpan<byte> batch) => (Attributes(batch) & TransactionalBit) != 0;
    public static bool IsControl(ReadOnlySpan<byte> batch) => (Attributes(batch) & ControlBit) != 0;

    /// <summary>Rewrites the two fields the broker owns; both lie outside the CRC, so it stays valid.</summary>
    public static void AssignOffsetAndEpoch(Span<byte> batch, long baseOffset, int leaderEpoch)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[LeaderEpochOffset..], leaderEpoch);
    }

    /// <summary>
    /// Marks the batch as LogAppendTime with <paramref name="appendTimeMs"/> as its max timestamp, as Kafka does
    /// for topics with message.timestamp.type=LogAppendTime. These fields are inside the CRC, so it is recomputed.
    /// </summary>
    public static void StampLogAppendTime(Span<byte> batch, long appendTimeMs)
    {
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)(Attributes(batch) | TimestampTypeBit));
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], appendTimeMs);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], ComputeCrc(batch));
    }

    /// <summary>The CRC-32C (Castagnoli) of everything after the CRC field, as the batch should carry it.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch)
    {
        var data = batch[AttributesOffset..TotalSize(batch)];
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
