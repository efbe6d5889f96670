using Tributary.Protocol;

namespace Tributary.Protocol.Tests.Primitives;

public class PrimitiveTests
{
    private static byte[] Write(Action<PooledBufferWriter> write)
    {
        using var buffer = new PooledBufferWriter();
        write(buffer);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    [InlineData(300)]
    public void VarInt_round_trips(int value)
    {
        var bytes = Write(b => new KafkaWriter(b).WriteVarInt(value));
        var reader = new KafkaReader(bytes);
        Assert.Equal(value, reader.ReadVarInt());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void VarLong_round_trips(long value)
    {
        var bytes = Write(b => new KafkaWriter(b).WriteVarLong(value));
        Assert.Equal(value, new KafkaReader(bytes).ReadVarLong());
    }

    [Fact]
    public void Zigzag_matches_the_protocol_guide()
    {
        // -1 encodes as 1, 1 as 2, -64 as 127 (one byte), 64 as 128 (two bytes).
        Assert.Equal(new byte[] { 1 }, Write(b => new KafkaWriter(b).WriteVarInt(-1)));
        Assert.Equal(new byte[] { 2 }, Write(b => new KafkaWriter(b).WriteVarInt(1)));
        Assert.Equal(new byte[] { 127 }, Write(b => new KafkaWriter(b).WriteVarInt(-64)));
        Assert.Equal(new byte[] { 0x80, 0x01 }, Write(b => new KafkaWriter(b).WriteVarInt(64)));
    }

    [Fact]
    public void Varint_longer_than_five_bytes_is_rejected()
    {
        var bytes = new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
        Assert.Throws<VarIntOverflowException>(() => new KafkaReader(bytes).ReadUnsignedVarInt());
    }

    [Fact]
    public void Varlong_longer_than_ten_bytes_is_rejected()
    {
        var bytes = Enumerable.Repeat((byte)0xFF, 11).ToArray();
        Assert.Throws<VarIntOverflowException>(() => new KafkaReader(bytes).ReadUnsignedVarLong());
    }

    [Fact]
    public void Truncated_varint_is_reported_as_truncation()
    {
        Assert.Throws<TruncatedDataException>(() => new KafkaReader(new byte[] { 0x80 }).ReadUnsignedVarInt());
    }

    [Fact]
    public void Truncated_int32_is_reported_as_truncation()
    {
        var ex = Assert.Throws<TruncatedDataException>(() => new KafkaReader(new byte[] { 0, 0, 0 }).ReadInt32());
        Assert.Contains("int32", ex.Message);
    }

    [Fact]
    public void Strings_round_trip_in_both_encodings()
    {
        var bytes = Write(b =>
        {
            var w = new KafkaWriter(b);
            w.WriteNullableString("héllo");
            w.WriteNullableString(null);
            w.WriteCompactNullableString("wörld");
            w.WriteCompactNullableString(null);
            w.WriteCompactNullableString("");
        });
        var r = new KafkaReader(bytes);
        Assert.Equal("héllo", r.ReadString());
        Assert.Null(r.ReadNullableString());
        Assert.Equal("wörld", r.ReadCompactString());
        Assert.Null(r.ReadCompactNullableString());
        Assert.Equal("", r.ReadCompactString());
        Assert.True(r.End);
    }

    [Fact]
    public void Oversized_bytes_length_is_rejected_without_allocating()
    {
        // A length of 2 GB with four bytes behind it must fail before any buffer of that size exists.
        var bytes = new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 };
        Assert.Throws<TruncatedDataException>(() => new KafkaReader(bytes).ReadBytes());
    }

    [Fact]
    public void Negative_lengths_other_than_null_are_rejected()
    {
        Assert.Throws<InvalidLengthException>(() => new KafkaReader(new byte[] { 0xFF, 0xFE }).ReadNullableString());
        Assert.Throws<InvalidLengthException>(() => new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }).ReadNullableBytes());
        Assert.Throws<InvalidLengthException>(() => new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }).ReadArrayLength());
    }

    [Fact]
    public void Array_count_larger_than_the_remaining_bytes_is_rejected()
    {
        var bytes = new byte[] { 0x10, 0, 0, 0, 1, 2 };
        Assert.Throws<InvalidLengthException>(() => new KafkaReader(bytes).ReadArrayLength(minElementSize: 4));
    }

    [Fact]
    public void Uuid_is_big_endian()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var bytes = Write(b => new KafkaWriter(b).WriteUuid(id));
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes);
        Assert.Equal(id, new KafkaReader(bytes).ReadUuid());
    }

    [Fact]
    public void Records_are_sliced_without_copying()
    {
        var bytes = new byte[] { 0, 0, 0, 3, 7, 8, 9 };
        var records = new KafkaReader(bytes).ReadRecords();
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(records!.Value, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(4, segment.Offset);
    }
}
