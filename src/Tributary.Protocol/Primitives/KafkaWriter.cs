using System.Buffers.Binary;
using System.Text;

namespace Tributary.Protocol;

/// <summary>
/// Writes Kafka wire primitives into a <see cref="PooledBufferWriter"/>: big-endian integers, varints,
/// strings, bytes, array lengths and tagged-field sections. The counterpart of <see cref="KafkaReader"/>.
/// </summary>
public readonly ref struct KafkaWriter
{
    private readonly PooledBufferWriter _output;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public KafkaWriter(PooledBufferWriter output) => _output = output;

    /// <summary>The buffer being written to.</summary>
    public PooledBufferWriter Output => _output;

    /// <summary>Bytes written so far, referenced record sets included.</summary>
    public int Position => _output.Length;

    /// <summary>Writes a boolean as one byte.</summary>
    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    /// <summary>Writes a signed 8-bit integer.</summary>
    public void WriteInt8(sbyte value)
    {
        _output.GetSpan(1)[0] = (byte)value;
        _output.Advance(1);
    }

    /// <summary>Writes a big-endian signed 16-bit integer.</summary>
    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    /// <summary>Writes a big-endian unsigned 16-bit integer.</summary>
    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    /// <summary>Writes a big-endian signed 32-bit integer.</summary>
    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    /// <summary>Writes a big-endian unsigned 32-bit integer.</summary>
    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    /// <summary>Writes a big-endian signed 64-bit integer.</summary>
    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes a big-endian IEEE 754 double.</summary>
    public void WriteFloat64(double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes a UUID as 16 bytes, most significant first.</summary>
    public void WriteUuid(Guid value)
    {
        value.TryWriteBytes(_output.GetSpan(16), bigEndian: true, out _);
        _output.Advance(16);
    }

    /// <summary>Writes an unsigned LEB128 varint.</summary>
    public void WriteUnsignedVarInt(uint value)
    {
        var span = _output.GetSpan(5);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _output.Advance(i);
    }

    /// <summary>Writes an unsigned LEB128 varlong.</summary>
    public void WriteUnsignedVarLong(ulong value)
    {
        var span = _output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _output.Advance(i);
    }

    /// <summary>Writes a zig-zag encoded signed varint.</summary>
    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a zig-zag encoded signed varlong.</summary>
    public void WriteVarLong(long value) => WriteUnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a string with an int16 length prefix; null is written as -1.</summary>
    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > short.MaxValue) throw new KafkaProtocolException($"String of {length} bytes exceeds the int16 length limit.");
        WriteInt16((short)length);
        WriteUtf8(value, length);
    }

    /// <summary>Writes a compact string (unsigned varint length + 1); null is written as 0.</summary>
    public void WriteCompactNullableString(string? value)
    {
        if (value is null)
        {
            WriteUnsignedVarInt(0);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        WriteUnsignedVarInt((uint)length + 1);
        WriteUtf8(value, length);
    }

    private void WriteUtf8(string value, int length)
    {
        Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
        _output.Advance(length);
    }

    /// <summary>Writes bytes with an int32 length prefix; null is written as -1.</summary>
    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull)
    {
        WriteInt32(isNull ? -1 : value.Length);
        if (!isNull) WriteRaw(value);
    }

    /// <summary>Writes compact bytes (unsigned varint length + 1); null is written as 0.</summary>
    public void WriteCompactNullableBytes(ReadOnlySpan<byte> value, bool isNull)
    {
        WriteUnsignedVarInt(isNull ? 0 : (uint)value.Length + 1);
        if (!isNull) WriteRaw(value);
    }

    /// <summary>
    /// Writes a records field with an int32 length prefix; null is written as -1. Large record sets may be referenced
    /// rather than copied (<see cref="PooledBufferWriter.WriteOrReference"/>).
    /// </summary>
    public void WriteRecords(ReadOnlyMemory<byte>? records)
    {
        WriteInt32(records is { } value ? value.Length : -1);
        if (records is { IsEmpty: false } bytes) _output.WriteOrReference(bytes);
    }

    /// <summary>
    /// Writes a compact records field (unsigned varint length + 1); null is written as 0. Large record sets may be
    /// referenced rather than copied (<see cref="PooledBufferWriter.WriteOrReference"/>).
    /// </summary>
    public void WriteCompactRecords(ReadOnlyMemory<byte>? records)
    {
        WriteUnsignedVarInt(records is { } value ? (uint)value.Length + 1 : 0);
        if (records is { IsEmpty: false } bytes) _output.WriteOrReference(bytes);
    }

    /// <summary>Writes an int32 array length; null is written as -1.</summary>
    public void WriteArrayLength(int count) => WriteInt32(count);

    /// <summary>Writes a compact array length (count + 1); a count of -1 (null) is written as 0.</summary>
    public void WriteCompactArrayLength(int count) => WriteUnsignedVarInt((uint)(count + 1));

    /// <summary>Copies raw bytes.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return;
        value.CopyTo(_output.GetSpan(value.Length));
        _output.Advance(value.Length);
    }

    /// <summary>Writes one tagged field: tag, size, then the already-encoded value.</summary>
    public void WriteTaggedField(int tag, ReadOnlySpan<byte> value)
    {
        WriteUnsignedVarInt((uint)tag);
        WriteUnsignedVarInt((uint)value.Length);
        WriteRaw(value);
    }
}
