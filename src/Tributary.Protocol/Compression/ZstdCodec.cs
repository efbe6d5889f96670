using ZstdSharp;

namespace Tributary.Protocol.Compression;

/// <summary>Zstandard at level 3, the Kafka producer default.</summary>
internal static class ZstdCodec
{
    private const int KafkaDefaultLevel = 3;

    // A compression context holds sizeable tables; one per thread avoids building them for every batch.
    [ThreadStatic] private static Compressor? _compressor;

    public static void Compress(ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        var compressor = _compressor ??= new Compressor(KafkaDefaultLevel);
        var bound = Compressor.GetCompressBound(source.Length);
        var written = compressor.Wrap(source, destination.GetSpan(bound));
        destination.Advance(written);
    }

    public static void Decompress(ReadOnlyMemory<byte> source, BoundedOutput output)
    {
        // The decoder's own window cap (2^27 bytes, zstd's default) bounds what a frame header can make it
        // reserve; the output itself is bounded by BoundedOutput.
        using var zstd = new DecompressionStream(BoundedOutput.OpenRead(source));
        output.CopyFrom(zstd);
    }
}
