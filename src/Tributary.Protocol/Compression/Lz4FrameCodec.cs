using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;

namespace Tributary.Protocol.Compression;

/// <summary>
/// LZ4 in the standard frame format, as Kafka uses it since message format 1. Written like the Java client
/// writes it: 64 KiB independent blocks, no content size, no checksums (the batch CRC covers the bytes).
/// </summary>
internal static class Lz4FrameCodec
{
    private static readonly LZ4EncoderSettings KafkaLikeSettings = new()
    {
        BlockSize = 64 * 1024,
        ChainBlocks = false,
        ContentChecksum = false,
        BlockChecksum = false,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    public static void Compress(ReadOnlySpan<byte> source, PooledBufferWriter destination) =>
        LZ4Frame.Encode(source, destination, KafkaLikeSettings);

    public static void Decompress(ReadOnlyMemory<byte> source, BoundedOutput output)
    {
        using var lz4 = LZ4Stream.Decode(BoundedOutput.OpenRead(source));
        output.CopyFrom(lz4);
    }
}
