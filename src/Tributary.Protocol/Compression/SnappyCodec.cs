using Snappier;

namespace Tributary.Protocol.Compression;

/// <summary>
/// Snappy decoding for both forms found in Kafka batches: the xerial framing (Java client) and a single raw
/// snappy block (librdkafka). Every raw block states its decompressed length up front, which is checked
/// against the limit before any output is reserved.
/// </summary>
internal static class SnappyCodec
{
    public static void Decompress(ReadOnlySpan<byte> source, BoundedOutput output)
    {
        if (XerialSnappyFraming.HasHeader(source)) XerialSnappyFraming.Decompress(source, output);
        else DecompressBlock(source, output);
    }

    /// <summary>Decompresses one raw snappy block.</summary>
    public static void DecompressBlock(ReadOnlySpan<byte> block, BoundedOutput output)
    {
        var length = Snappy.GetUncompressedLength(block);
        var written = Snappy.Decompress(block, output.Reserve(length));
        output.Commit(written);
    }
}
