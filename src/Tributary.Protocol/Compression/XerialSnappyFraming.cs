using System.Buffers.Binary;
using Snappier;

namespace Tributary.Protocol.Compression;

/// <summary>
/// The snappy-java ("xerial") stream framing that the Java Kafka client writes: a 16-byte header
/// (magic <c>0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00</c>, int32 version 1, int32 minimum compatible version 1),
/// then blocks of an int32 big-endian compressed length followed by one raw snappy block.
/// </summary>
internal static class XerialSnappyFraming
{
    private static ReadOnlySpan<byte> Magic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    private const int HeaderSize = 16;
    private const int FormatVersion = 1;
    private const int MinimumCompatibleVersion = 1;

    // snappy-java's default block size, which the Java producer uses.
    private const int BlockSize = 32 * 1024;

    public static bool HasHeader(ReadOnlySpan<byte> source) => source.Length >= HeaderSize && source.StartsWith(Magic);

    public static void Compress(ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        var writer = new KafkaWriter(destination);
        writer.WriteRaw(Magic);
        writer.WriteInt32(FormatVersion);
        writer.WriteInt32(MinimumCompatibleVersion);
        while (!source.IsEmpty)
        {
            var block = source[..Math.Min(BlockSize, source.Length)];
            var room = destination.GetSpan(sizeof(int) + Snappy.GetMaxCompressedLength(block.Length));
            var compressed = Snappy.Compress(block, room[sizeof(int)..]);
            BinaryPrimitives.WriteInt32BigEndian(room, compressed);
            destination.Advance(sizeof(int) + compressed);
            source = source[block.Length..];
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, BoundedOutput output)
    {
        // The version fields are not checked: snappy-java itself only reads them for information.
        var blocks = source[HeaderSize..];
        while (!blocks.IsEmpty)
        {
            if (blocks.Length < sizeof(int))
                throw new InvalidCompressedDataException(CompressionCodec.Snappy, $"truncated xerial block length ({blocks.Length} bytes left).");
            var length = BinaryPrimitives.ReadInt32BigEndian(blocks);
            blocks = blocks[sizeof(int)..];
            if (length <= 0 || length > blocks.Length)
                throw new InvalidCompressedDataException(CompressionCodec.Snappy, $"xerial block length {length} with {blocks.Length} bytes left.");
            SnappyCodec.DecompressBlock(blocks[..length], output);
            blocks = blocks[length..];
        }
    }
}
