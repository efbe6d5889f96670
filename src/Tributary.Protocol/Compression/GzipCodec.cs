using System.IO.Compression;

namespace Tributary.Protocol.Compression;

/// <summary>GZIP with the BCL's zlib; reading accepts concatenated gzip members, as Java's GZIPInputStream does.</summary>
internal static class GzipCodec
{
    public static void Compress(ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal);
        gzip.Write(source);
    }

    public static void Decompress(ReadOnlyMemory<byte> source, BoundedOutput output)
    {
        using var gzip = new GZipStream(BoundedOutput.OpenRead(source), CompressionMode.Decompress);
        output.CopyFrom(gzip);
    }
}
