using CsCheck;
using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Tests.Compression;

public class KafkaCompressionTests
{
    public static TheoryData<CompressionCodec> Codecs => new(Enum.GetValues<CompressionCodec>());

    public static TheoryData<CompressionCodec> RealCodecs => new(Enum.GetValues<CompressionCodec>().Where(c => c != CompressionCodec.None));

    private static byte[] Compress(CompressionCodec codec, ReadOnlySpan<byte> data)
    {
        using var output = new PooledBufferWriter();
        KafkaCompression.Compress(codec, data, output);
        return output.ToArray();
    }

    private static byte[] Decompress(CompressionCodec codec, byte[] data, int limit = KafkaCompression.DefaultMaxDecompressedBytes)
    {
        using var output = new PooledBufferWriter();
        KafkaCompression.Decompress(codec, data, output, limit);
        return output.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Random_data_round_trips(CompressionCodec codec)
    {
        Gen.Byte.Array[0, 200_000].Sample(data => Assert.Equal(data, Decompress(codec, Compress(codec, data))), iter: 20);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Empty_input_round_trips(CompressionCodec codec)
    {
        Assert.Empty(Decompress(codec, Compress(codec, [])));
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Repetitive_data_shrinks(CompressionCodec codec)
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 7)).ToArray();
        var compressed = Compress(codec, data);
        Assert.True(compressed.Length < data.Length / 10, $"{codec}: {compressed.Length} bytes");
        Assert.Equal(data, Decompress(codec, compressed));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Output_exactly_at_the_limit_is_allowed_and_one_byte_over_is_refused(CompressionCodec codec)
    {
        var data = new byte[300_000];
        var compressed = Compress(codec, data);

        Assert.Equal(data.Length, Decompress(codec, compressed, limit: data.Length).Length);
        var exception = Assert.Throws<DecompressionLimitExceededException>(() => Decompress(codec, compressed, limit: data.Length - 1));
        Assert.Equal(codec, exception.Codec);
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void A_decompression_bomb_is_stopped_near_the_limit(CompressionCodec codec)
    {
        // 64 MiB of zeros compress to little; with a 1 MiB limit the output buffer must stay near 1 MiB.
        var bomb = Compress(codec, new byte[64 << 20]);
        using var output = new PooledBufferWriter();
        Assert.Throws<DecompressionLimitExceededException>(() => KafkaCompression.Decompress(codec, bomb, output, 1 << 20));
        Assert.True(output.WrittenCount <= (1 << 20) + 1, $"{codec} wrote {output.WrittenCount} bytes");
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Garbage_is_invalid_data(CompressionCodec codec)
    {
        Gen.Byte.Array[1, 300].Sample(garbage =>
        {
            try
            {
                Decompress(codec, garbage, limit: 1 << 20);
            }
            catch (KafkaProtocolException)
            {
                // InvalidCompressedDataException or the limit; random bytes rarely decode, and never as anything else.
            }
        }, iter: 500);
        Assert.Throws<InvalidCompressedDataException>(() => Decompress(codec, Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray()));
    }

    [Theory]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public void Truncated_streams_are_invalid_data(CompressionCodec codec)
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31 % 251)).ToArray();
        var compressed = Compress(codec, data);
        Assert.Throws<InvalidCompressedDataException>(() => Decompress(codec, compressed[..(compressed.Length / 2)]));
    }

    [Fact]
    public void A_truncated_gzip_stream_yields_less_than_the_original()
    {
        // The BCL's inflater ends quietly at the end of its input instead of failing like Java's; in a batch the
        // CRC and the record count still catch it.
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31 % 251)).ToArray();
        var compressed = Compress(CompressionCodec.Gzip, data);
        Assert.True(Decompress(CompressionCodec.Gzip, compressed[..(compressed.Length / 2)]).Length < data.Length);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Undefined_codec_ids_are_unsupported(short attributes)
    {
        Assert.Throws<UnsupportedCompressionException>(() => KafkaCompression.FromAttributes(attributes));
        using var output = new PooledBufferWriter();
        Assert.Throws<UnsupportedCompressionException>(() => KafkaCompression.Compress((CompressionCodec)attributes, [1], output));
        Assert.Throws<UnsupportedCompressionException>(() => KafkaCompression.Decompress((CompressionCodec)attributes, new byte[] { 1 }, output));
    }

    [Fact]
    public void Lz4_is_written_as_a_frame_with_independent_64_KiB_blocks_like_the_Java_client()
    {
        var frame = Compress(CompressionCodec.Lz4, new byte[1000]);
        Assert.Equal(new byte[] { 0x04, 0x22, 0x4D, 0x18 }, frame[..4]); // frame magic 0x184D2204, little-endian
        var flags = frame[4];
        Assert.Equal(0b01, flags >> 6);          // version 01
        Assert.NotEqual(0, flags & 0x20);        // block independence
        Assert.Equal(0, flags & 0x10);           // no block checksums
        Assert.Equal(0, flags & 0x08);           // no content size
        Assert.Equal(0x40, frame[5]);            // block maximum size 64 KiB
    }
}
