namespace Tributary.Protocol.Records;

/// <summary>
/// Byte offsets and sizes of the magic-2 record batch format (see the "Record batch v2" table in the protocol notes).
/// All integers are big-endian.
/// </summary>
public static class RecordBatchLayout
{
    /// <summary>Offset of baseOffset (int64).</summary>
    public const int BaseOffsetOffset = 0;
    /// <summary>Offset of batchLength (int32): the number of bytes after this field.</summary>
    public const int BatchLengthOffset = 8;
    /// <summary>Offset of partitionLeaderEpoch (int32).</summary>
    public const int PartitionLeaderEpochOffset = 12;
    /// <summary>Offset of magic (int8).</summary>
    public const int MagicOffset = 16;
    /// <summary>Offset of crc (uint32), the CRC-32C of every byte from <see cref="AttributesOffset"/> to the end.</summary>
    public const int CrcOffset = 17;
    /// <summary>Offset of attributes (int16); the CRC covers the batch from here on.</summary>
    public const int AttributesOffset = 21;
    /// <summary>Offset of lastOffsetDelta (int32).</summary>
    public const int LastOffsetDeltaOffset = 23;
    /// <summary>Offset of baseTimestamp (int64).</summary>
    public const int BaseTimestampOffset = 27;
    /// <summary>Offset of maxTimestamp (int64).</summary>
    public const int MaxTimestampOffset = 35;
    /// <summary>Offset of producerId (int64).</summary>
    public const int ProducerIdOffset = 43;
    /// <summary>Offset of producerEpoch (int16).</summary>
    public const int ProducerEpochOffset = 51;
    /// <summary>Offset of baseSequence (int32).</summary>
    public const int BaseSequenceOffset = 53;
    /// <summary>Offset of recordCount (int32).</summary>
    public const int RecordCountOffset = 57;
    /// <summary>Size of the fixed header; the records section starts here.</summary>
    public const int HeaderSize = 61;

    /// <summary>Bytes not counted by batchLength: baseOffset and batchLength themselves.</summary>
    public const int LogOverhead = 12;

    /// <summary>The smallest valid batchLength: a header with no records.</summary>
    public const int MinimumBatchLength = HeaderSize - LogOverhead;

    /// <summary>The only message format this codec reads and writes.</summary>
    public const byte CurrentMagic = 2;

    /// <summary>
    /// The smallest encoded record: a one-byte length, then attributes, timestamp delta, offset delta,
    /// key length, value length and header count of one byte each.
    /// </summary>
    public const int MinimumRecordSize = 7;

    /// <summary>A timestamp field that holds no time (Kafka's NO_TIMESTAMP).</summary>
    public const long NoTimestamp = -1;
}
