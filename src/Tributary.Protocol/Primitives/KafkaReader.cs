using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tributary.Protocol;

/// <summary>
/// Reads Kafka wire primitives (big-endian integers, varints, strings, bytes, arrays, tagged fields)
/// from a buffer. Every length is checked against what remains before anything is allocated, so a hostile
/// length can never make the reader allocate more than the buffer itself holds.
/// </summary>
/// <remarks>
/// The reader holds a <see cref="ReadOnlyMemory{T}"/> so that record payloads can be sliced out without copying.
/// </remarks>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>, starting at its first byte.</summary>
    public KafkaReader(ReadOnlyMemory<byte> buffer)
    {
        _memory = buffer;
        _span = buffer.Span;
        _position = 0;
    }

    /// <summary>The number of bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes not yet read.</summary>
    public readonly int Remaining => _span.Length - _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool End => _position >= _span.Length;

    /// <summary>Throws unless at least <paramref name="count"/> bytes remain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void EnsureRemaining(long count, string what)
    {
        if (count > Remaining) throw new TruncatedDataException(what, _position, count, Remaining);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count, string what)
    {
        EnsureRemaining(count, what);
        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    /// <summary>Reads a boolean (one byte, non-zero is true).</summary>
    public bool ReadBool() => Take(1, "bool")[0] != 0;

    /// <summary>Reads a signed 8-bit integer.</summary>
    public sbyte ReadInt8() => (sbyte)Take(1, "int8")[0];

    /// <summary>Reads a big-endian signed 16-bit integer.</summary>
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2, "int16"));

    /// <summary>Reads a big-endian unsigned 16-bit integer.</summary>
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "uint16"));

    /// <summary>Reads a big-endian signed 32-bit integer.</summary>
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4, "int32"));

    /// <summary>Reads a big-endian unsigned 32-bit integer.</summary>
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4, "uint32"));

    /// <summary>Reads a big-endian signed 64-bit integer.</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8, "int64"));

    /// <summary>Reads a big-endian IEEE 754 double.</summary>
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8, "float64"));

    /// <summary>Reads a 16-byte UUID (most significant byte first).</summary>
    public Guid ReadUuid() => new(Take(16, "uuid"), bigEndian: true);

    /// <summary>Reads an unsigned LEB128 varint of at most 5 bytes.</summary>
    public uint ReadUnsignedVarInt()
    {
        var start = _position;
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (_position >= _span.Length) throw new TruncatedDataException("varint", start, _position - start + 1, 0);
            var b = _span[_position++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new VarIntOverflowException(5, start);
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 10 bytes.</summary>
    public ulong ReadUnsignedVarLong()
    {
        var start = _position;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _span.Length) throw new TruncatedDataException("varlong", start, _position - start + 1, 0);
            var b = _span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new VarIntOverflowException(10, start);
    }

    /// <summary>Reads a zig-zag encoded signed varint (the encoding used inside records).</summary>
    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>Reads a zig-zag encoded signed varlong.</summary>
    public long ReadVarLong()
    {
        var raw = ReadUnsignedVarLong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads a string with an int16 length; a length of -1 is rejected.</summary>
    public string ReadString() => ReadNullableString() ?? throw new InvalidLengthException($"Null string at byte {_position - 2} where null is not allowed.");

    /// <summary>Reads a string with an int16 length; -1 means null.</summary>
    public string? ReadNullableString() => DecodeString(ReadInt16(), "string");

    /// <summary>Reads a compact string (unsigned varint length + 1); 0 is rejected.</summary>
    public string ReadCompactString() => ReadCompactNullableString() ?? throw new InvalidLengthException($"Null compact string at byte {_position - 1} where null is not allowed.");

    /// <summary>Reads a compact string (unsigned varint length + 1); 0 means null.</summary>
    public string? ReadCompactNullableString() => DecodeString(CompactLength(), "compact string");

    private string? DecodeString(long length, string what)
    {
        if (length == -1) return null;
        if (length < -1) throw new InvalidLengthException($"Negative {what} length {length} at byte {_position}.");
        return Encoding.UTF8.GetString(Take((int)Math.Min(length, int.MaxValue), what));
    }

    /// <summary>Reads bytes with an int32 length; -1 is rejected.</summary>
    public byte[] ReadBytes() => ReadNullableBytes() ?? throw new InvalidLengthException($"Null bytes at byte {_position - 4} where null is not allowed.");

    /// <summary>Reads bytes with an int32 length; -1 means null.</summary>
    public byte[]? ReadNullableBytes() => ReadNullableMemory(ReadInt32(), "bytes")?.ToArray();

    /// <summary>Reads compact bytes (unsigned varint length + 1); 0 is rejected.</summary>
    public byte[] ReadCompactBytes() => ReadCompactNullableBytes() ?? throw new InvalidLengthException($"Null compact bytes at byte {_position - 1} where null is not allowed.");

    /// <summary>Reads compact bytes (unsigned varint length + 1); 0 means null.</summary>
    public byte[]? ReadCompactNullableBytes() => ReadNullableMemory(CompactLength(), "compact bytes")?.ToArray();

    /// <summary>Reads a records field (int32 length) as a slice of the underlying buffer, without copying.</summary>
    public ReadOnlyMemory<byte>? ReadRecords() => ReadNullableMemory(ReadInt32(), "records");

    /// <summary>Reads a compact records field as a slice of the underlying buffer, without copying.</summary>
    public ReadOnlyMemory<byte>? ReadCompactRecords() => ReadNullableMemory(CompactLength(), "compact records");

    /// <summary>Reads <paramref name="count"/> raw bytes as a slice of the underlying buffer.</summary>
    public ReadOnlyMemory<byte> ReadRawMemory(int count)
    {
        if (count < 0) throw new InvalidLengthException($"Negative length {count} at byte {_position}.");
        EnsureRemaining(count, "raw bytes");
        var slice = _memory.Slice(_position, count);
        _position += count;
        return slice;
    }

    /// <summary>Reads <paramref name="count"/> raw bytes as a span over the underlying buffer.</summary>
    public ReadOnlySpan<byte> ReadRawSpan(int count)
    {
        if (count < 0) throw new InvalidLengthException($"Negative length {count} at byte {_position}.");
        return Take(count, "raw bytes");
    }

    private ReadOnlyMemory<byte>? ReadNullableMemory(long length, string what)
    {
        if (length == -1) return null;
        if (length < -1) throw new InvalidLengthException($"Negative {what} length {length} at byte {_position}.");
        EnsureRemaining(length, what);
        return ReadRawMemory((int)length);
    }

    /// <summary>Reads a compact length: the unsigned varint minus one (so -1 is null).</summary>
    private long CompactLength() => (long)ReadUnsignedVarInt() - 1;

    /// <summary>
    /// Reads an int32 array length; -1 (null) is returned as is. Each element takes at least
    /// <paramref name="minElementSize"/> bytes, which bounds the count by the bytes remaining.
    /// </summary>
    public int ReadArrayLength(int minElementSize = 1) => CheckedCount(ReadInt32(), minElementSize, "array");

    /// <summary>Reads a compact array length (unsigned varint count + 1); -1 means null.</summary>
    public int ReadCompactArrayLength(int minElementSize = 1) => CheckedCount(CompactLength(), minElementSize, "compact array");

    private readonly int CheckedCount(long count, int minElementSize, string what)
    {
        if (count == -1) return -1;
        if (count < -1) throw new InvalidLengthException($"Negative {what} length {count} at byte {_position}.");
        if (count * Math.Max(minElementSize, 0) > Remaining)
            throw new InvalidLengthException($"{what} of {count} elements at byte {_position} cannot fit in the {Remaining} bytes remaining.");
        return (int)count;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count)
    {
        if (count < 0) throw new InvalidLengthException($"Negative skip {count} at byte {_position}.");
        Take(count, "skipped bytes");
    }

    /// <summary>
    /// Reads the header of one tagged field and returns a reader limited to its value; the outer reader moves past it.
    /// </summary>
    public KafkaReader ReadTaggedFieldValue(out int tag)
    {
        tag = checked((int)ReadUnsignedVarInt());
        var size = ReadUnsignedVarInt();
        EnsureRemaining(size, $"tagged field {tag}");
        return new KafkaReader(ReadRawMemory((int)size));
    }

    /// <summary>Reads the whole remaining buffer as a copy (used to keep unknown tagged fields).</summary>
    public byte[] ReadToEndCopy() => Take(Remaining, "rest").ToArray();
}
