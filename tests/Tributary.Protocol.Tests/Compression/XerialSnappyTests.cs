using System.Buffers.Binary;
using System.Text;
using Snappier;
using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Tests.Compression;

/// <summary>The snappy-java framing that the Java client writes, built by hand from its documented layout.</summary>
public class XerialSnappyTests
{
    private static readonly byte[] XerialHeader =
    [
        0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00, // magic
        0x00, 0x00, 0x00, 0x01,                                                       // version 1
        0x00, 0x00, 0x00, 0x01,                                                       // minimum compatible version 1
    ];

    private static byte[] Block(string text)
    {
        var compressed = Snappy.CompressToArray(Encoding.UTF8.GetBytes(text));
        var block = new byte[4 + compressed.Length];
        BinaryPrimitives.WriteInt32BigEndian(block, compressed.Length);
        compressed.CopyTo(block, 4);
        return block;
    }

    private static string Decompress(byte[] data)
    {
        using var output = new PooledBufferWriter();
        KafkaCompression.Decompress(CompressionCodec.Snappy, data, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void A_hand_built_xerial_stream_with_two_blocks_decodes()
    {
        byte[] stream = [.. XerialHeader, .. Block("first block, "), .. Block("second block")];
        Assert.Equal("first block, second block", Decompress(stream));
    }

    [Fact]
    public void A_xerial_header_without_blocks_is_empty()
    {
        Assert.Equal("", Decompress(XerialHeader));
    }

    [Fact]
    public void Raw_snappy_as_librdkafka_writes_it_decodes()
    {
        Assert.Equal("raw snappy from librdkafka", Decompress(Snappy.CompressToArray("raw snappy from librdkafka"u8)));
    }

    [Fact]
    public void Writing_produces_the_xerial_framing_in_32_KiB_blocks()
    {
        var data = new byte[80 * 1024];
        new Random(3).NextBytes(data);
        using var output = new PooledBufferWriter();
        KafkaCompression.Compress(CompressionCodec.Snappy, data, output);
        var written = output.ToArray();

        Assert.Equal(XerialHeader, written[..16]);
        var blockSizes = new List<int>();
        var rest = written.AsSpan(16);
        while (!rest.IsEmpty)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(rest);
            blockSizes.Add(Snappy.GetUncompressedLength(rest.Slice(4, length)));
            rest = rest[(4 + length)..];
        }
        Assert.Equal([32 * 1024, 32 * 1024, 16 * 1024], blockSizes);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1_000)]
    public void A_bad_block_length_is_invalid_data(int length)
    {
        var block = Block("some text");
        BinaryPrimitives.WriteInt32BigEndian(block, length);
        Assert.Throws<InvalidCompressedDataException>(() => Decompress([.. XerialHeader, .. block]));
    }

    [Fact]
    public void A_truncated_block_length_is_invalid_data()
    {
        Assert.Throws<InvalidCompressedDataException>(() => Decompress([.. XerialHeader, 0, 0]));
    }

    [Fact]
    public void A_block_claiming_a_huge_length_is_refused_before_allocating()
    {
        // A raw block whose length preamble says 2^31-1 bytes, followed by nothing.
        byte[] lyingBlock = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        using var output = new PooledBufferWriter();
        Assert.Throws<DecompressionLimitExceededException>(() =>
            KafkaCompression.Decompress(CompressionCodec.Snappy, lyingBlock, output, maxDecompressedBytes: 1 << 20));
        Assert.Equal(0, output.WrittenCount);
    }
}
