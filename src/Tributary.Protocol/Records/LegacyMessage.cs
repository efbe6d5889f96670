using System.Buffers.Binary;
using System.IO.Hashing;
using Tributary.Protocol.Compression;
using static Tributary.Protocol.Records.LegacyMessageLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// One entry of a magic 0 or 1 message set, as slices of the set's bytes: a plain message, or a wrapper whose
/// value holds a compressed inner message set (see <see cref="LegacyMessageSet"/>). Its framing and field lengths
/// are checked when it is read; <see cref="Validate"/> checks the CRC.
/// </summary>
public readonly struct LegacyMessage
{
    private LegacyMessage(ReadOnlyMemory<byte> bytes, ReadOnlyMemory<byte> key, bool isKeyNull, ReadOnlyMemory<byte> value, bool isValueNull)
    {
        Bytes = bytes;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
    }

    /// <summary>The whole entry: offset, message_size and the message.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The entry's offset: absolute, or relative within a magic-1 wrapper (see <see cref="LegacyMessageSet"/>).</summary>
    public long Offset => BinaryPrimitives.ReadInt64BigEndian(Bytes.Span[OffsetOffset..]);

    /// <summary>The CRC-32 the message carries.</summary>
    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(Bytes.Span[CrcOffset..]);

    /// <summary>The message format: 0 or 1.</summary>
    public sbyte Magic => (sbyte)Bytes.Span[MagicOffset];

    /// <summary>The attributes byte: codec in bits 0-2, timestamp type in bit 3 (magic 1).</summary>
    public byte Attributes => Bytes.Span[AttributesOffset];

    /// <summary>The codec of a wrapper's value; <see cref="CompressionCodec.None"/> for a plain message.</summary>
    /// <exception cref="InvalidRecordException">The codec is zstd, which needs record batches (Kafka's legacy record iterator refuses it so).</exception>
    /// <exception cref="UnsupportedCompressionException">The codec is 5, 6 or 7, which Kafka does not define.</exception>
    public CompressionCodec Compression
    {
        get
        {
            var id = Attributes & CompressionMask;
            return id switch
            {
                <= (int)CompressionCodec.Lz4 => (CompressionCodec)id,
                (int)CompressionCodec.Zstd => throw new InvalidRecordException($"Invalid wrapper compression type zstd in a message of magic {Magic}: zstd needs record batches (magic 2)."),
                _ => throw new UnsupportedCompressionException(id),
            };
        }
    }

    /// <summary>What the timestamp means; magic 0 has none and reports CreateTime.</summary>
    public TimestampType TimestampType =>
        Magic > 0 && (Attributes & LogAppendTimeFlag) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    /// <summary>The timestamp (magic 1), or -1 (Kafka's NO_TIMESTAMP) for magic 0.</summary>
    public long Timestamp => Magic == 0 ? RecordBatchLayout.NoTimestamp : BinaryPrimitives.ReadInt64BigEndian(Bytes.Span[TimestampOffset..]);

    /// <summary>The key bytes; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>True when the key is null (length -1).</summary>
    public bool IsKeyNull { get; }

    /// <summary>The value bytes (a wrapper's compressed inner set); empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>True when the value is null (a tombstone).</summary>
    public bool IsValueNull { get; }

    /// <summary>
    /// Reads the entry at the start of <paramref name="buffer"/>, or returns false when the buffer holds only part of
    /// it (as the last entry of a fetch response may). Bytes after the entry are ignored.
    /// </summary>
    /// <exception cref="UnsupportedMessageFormatException">The magic byte is not 0 or 1.</exception>
    /// <exception cref="CorruptRecordException">message_size is below the minimum, or the key and value lengths disagree with it.</exception>
    public static bool TryRead(ReadOnlyMemory<byte> buffer, out LegacyMessage message)
    {
        message = default;
        var span = buffer.Span;
        if (span.Length <= MagicOffset) return false;
        var magic = (sbyte)span[MagicOffset];
        if (magic is not (0 or 1)) throw new UnsupportedMessageFormatException(magic);
        var size = BinaryPrimitives.ReadInt32BigEndian(span[SizeOffset..]);
        if (size < MinimumMessageSize(magic))
            throw new CorruptRecordException($"Message size {size} is less than the {MinimumMessageSize(magic)} bytes of an empty magic-{magic} message.");
        var total = (long)size + LogOverhead;
        if (total > span.Length) return false;

        var bytes = buffer[..(int)total];
        var reader = new KafkaReader(bytes[KeyLengthOffset(magic)..]);
        var key = ReadBytes(ref reader, "key", out var isKeyNull);
        var value = ReadBytes(ref reader, "value", out var isValueNull);
        if (!reader.End) throw new CorruptRecordException($"Message at offset {BinaryPrimitives.ReadInt64BigEndian(span)} has {reader.Remaining} bytes left over after its value.");
        message = new LegacyMessage(bytes, key, isKeyNull, value, isValueNull);
        return true;
    }

    /// <summary>The CRC-32 of the message bytes after its CRC field.</summary>
    public uint ComputeCrc() => Crc32.HashToUInt32(Bytes.Span[MagicOffset..]);

    /// <summary>Throws <see cref="CorruptRecordException"/> when the stored CRC differs from the bytes' CRC.</summary>
    public void Validate()
    {
        var actual = ComputeCrc();
        if (actual != Crc) throw CorruptRecordException.CrcMismatch(Crc, actual);
    }

    private static ReadOnlyMemory<byte> ReadBytes(ref KafkaReader reader, string what, out bool isNull)
    {
        if (reader.Remaining < sizeof(int)) throw new CorruptRecordException($"Message ends before its {what} length.");
        var length = reader.ReadInt32();
        isNull = length == -1;
        if (isNull) return ReadOnlyMemory<byte>.Empty;
        if (length < 0 || length > reader.Remaining)
            throw new CorruptRecordException($"Message {what} length {length} does not fit the {reader.Remaining} bytes left in the message.");
        return reader.ReadRawMemory(length);
    }
}
