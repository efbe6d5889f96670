namespace Tributary.Protocol.Records;

/// <summary>
/// Byte offsets and sizes of the message formats before record batches (the protocol guide's "Message sets"):
/// magic 0 (Kafka 0.8-0.9) and magic 1 (0.10, which added a timestamp). A message set is a sequence of
/// <c>offset int64, message_size int32, message</c>; a message is <c>crc uint32, magic int8, attributes int8,
/// [timestamp int64 (magic 1)], key bytes, value bytes</c>, its CRC the CRC-32 (IEEE) of every byte after the CRC.
/// </summary>
/// <remarks>
/// The magic byte sits at byte 16 of an entry in both these formats and in record batches, which is how a reader
/// tells them apart before it knows which one it holds.
/// </remarks>
public static class LegacyMessageLayout
{
    /// <summary>Offset of the entry's offset (int64).</summary>
    public const int OffsetOffset = 0;
    /// <summary>Offset of message_size (int32): the bytes of the message after this field.</summary>
    public const int SizeOffset = 8;
    /// <summary>Offset of the CRC-32 (uint32).</summary>
    public const int CrcOffset = 12;
    /// <summary>Offset of magic (int8); the CRC covers the message from here on.</summary>
    public const int MagicOffset = 16;
    /// <summary>Offset of attributes (int8).</summary>
    public const int AttributesOffset = 17;
    /// <summary>Offset of the timestamp (int64), in magic 1 only.</summary>
    public const int TimestampOffset = 18;

    /// <summary>Bytes not counted by message_size: the offset and message_size themselves.</summary>
    public const int LogOverhead = 12;

    /// <summary>The smallest magic-0 message: CRC, magic, attributes and two -1 lengths.</summary>
    public const int MinimumMessageSizeV0 = 14;

    /// <summary>The smallest magic-1 message: a magic-0 one plus the timestamp.</summary>
    public const int MinimumMessageSizeV1 = 22;

    /// <summary>Attribute bits 0-2: the codec of a wrapper message's value (0 none, 1 gzip, 2 snappy, 3 lz4).</summary>
    public const byte CompressionMask = 0x07;

    /// <summary>Attribute bit 3 (magic 1 only): the timestamp is the broker's append time.</summary>
    public const byte LogAppendTimeFlag = 0x08;

    /// <summary>The smallest message of <paramref name="magic"/>.</summary>
    public static int MinimumMessageSize(sbyte magic) => magic == 0 ? MinimumMessageSizeV0 : MinimumMessageSizeV1;

    /// <summary>The offset of the key length field in a message of <paramref name="magic"/>.</summary>
    public static int KeyLengthOffset(sbyte magic) => magic == 0 ? TimestampOffset : TimestampOffset + sizeof(long);

    /// <summary>The encoded size of a whole entry (offset and size included) with this key and value.</summary>
    public static int EntrySize(sbyte magic, int keyLength, int valueLength) =>
        KeyLengthOffset(magic) + 2 * sizeof(int) + Math.Max(keyLength, 0) + Math.Max(valueLength, 0);
}
