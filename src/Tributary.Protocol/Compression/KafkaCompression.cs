namespace Tributary.Protocol.Compression;

/// <summary>
/// Compresses and decompresses the records section of a record batch with the codecs Kafka defines.
/// Decompression is always bounded: it stops with <see cref="DecompressionLimitExceededException"/> before producing
/// more than the allowed number of bytes, whatever sizes the compressed data claims.
/// </summary>
/// <remarks>
/// Levels follow the Kafka producer defaults: gzip level 6 (<see cref="System.IO.Compression.CompressionLevel.Optimal"/>),
/// lz4 fast mode with independent 64 KiB blocks, zstd level 3. Snappy is written in the xerial framing that the
/// Java client writes; every client (Java, librdkafka, kafka-python, kafkajs) reads that framing, and reading
/// here accepts both the framing and raw snappy (which librdkafka writes).
/// </remarks>
public static class KafkaCompression
{
    /// <summary>The default ceiling on decompressed bytes for one batch: 64 MiB.</summary>
    public const int DefaultMaxDecompressedBytes = 64 * 1024 * 1024;

    /// <summary>Maps attribute bits 0-2 of a batch to a codec; 5, 6 and 7 throw <see cref="UnsupportedCompressionException"/>.</summary>
    public static CompressionCodec FromAttributes(short attributes)
    {
        var id = attributes & 0x07;
        return id <= (int)CompressionCodec.Zstd ? (CompressionCodec)id : throw new UnsupportedCompressionException(id);
    }

    /// <summary>Appends <paramref name="source"/> compressed with <paramref name="codec"/> to <paramref name="destination"/>.</summary>
    public static void Compress(CompressionCodec codec, ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        switch (codec)
        {
            case CompressionCodec.None:
                new KafkaWriter(destination).WriteRaw(source);
                break;
            case CompressionCodec.Gzip:
                GzipCodec.Compress(source, destination);
                break;
            case CompressionCodec.Snappy:
                XerialSnappyFraming.Compress(source, destination);
                break;
            case CompressionCodec.Lz4:
                Lz4FrameCodec.Compress(source, destination);
                break;
            case CompressionCodec.Zstd:
                ZstdCodec.Compress(source, destination);
                break;
            default:
                throw new UnsupportedCompressionException((int)codec);
        }
    }

    /// <summary>
    /// Compresses the inner message set of a magic 0 or 1 wrapper message: as <see cref="Compress(CompressionCodec, ReadOnlySpan{byte}, PooledBufferWriter)"/>,
    /// except that magic-0 LZ4 frames carry the header checksum Kafka 0.8-0.9 wrote (see <see cref="LegacyLz4Framing"/>).
    /// </summary>
    public static void CompressLegacy(CompressionCodec codec, sbyte magic, ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        var start = destination.WrittenCount;
        Compress(codec, source, destination);
        if (codec == CompressionCodec.Lz4 && magic == 0) LegacyLz4Framing.BreakHeaderChecksum(destination.WrittenSpanMutable[start..]);
    }

    /// <summary>
    /// Decompresses the value of a magic 0 or 1 wrapper message: as <see cref="Decompress"/>, except that LZ4 frames
    /// follow Kafka's rule for their header checksum (ignored in magic 0, checked in magic 1).
    /// </summary>
    public static void DecompressLegacy(CompressionCodec codec, sbyte magic, ReadOnlyMemory<byte> source, PooledBufferWriter destination,
        int maxDecompressedBytes = DefaultMaxDecompressedBytes) =>
        Decompress(codec, codec == CompressionCodec.Lz4 ? LegacyLz4Framing.Normalize(source, magic) : source, destination, maxDecompressedBytes);

    /// <summary>
    /// Appends the decompressed form of <paramref name="source"/> to <paramref name="destination"/>, refusing to
    /// produce more than <paramref name="maxDecompressedBytes"/> bytes.
    /// </summary>
    /// <exception cref="DecompressionLimitExceededException">The data decompresses to more than the limit.</exception>
    /// <exception cref="InvalidCompressedDataException">The data is not valid for the codec.</exception>
    public static void Decompress(CompressionCodec codec, ReadOnlyMemory<byte> source, PooledBufferWriter destination,
        int maxDecompressedBytes = DefaultMaxDecompressedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDecompressedBytes);
        var output = new BoundedOutput(destination, maxDecompressedBytes, codec);
        try
        {
            switch (codec)
            {
                case CompressionCodec.None:
                    source.Span.CopyTo(output.Reserve(source.Length));
                    output.Commit(source.Length);
                    break;
                case CompressionCodec.Gzip:
                    GzipCodec.Decompress(source, output);
                    break;
                case CompressionCodec.Snappy:
                    SnappyCodec.Decompress(source.Span, output);
                    break;
                case CompressionCodec.Lz4:
                    Lz4FrameCodec.Decompress(source, output);
                    break;
                case CompressionCodec.Zstd:
                    ZstdCodec.Decompress(source, output);
                    break;
                default:
                    throw new UnsupportedCompressionException((int)codec);
            }
        }
        // The input bytes are the only thing that varies, so any other failure inside a codec library
        // (each throws its own types: InvalidDataException, ZstdException, ArgumentException, ...) means bad data.
        catch (Exception ex) when (ex is not KafkaProtocolException and not OutOfMemoryException)
        {
            throw new InvalidCompressedDataException(codec, ex);
        }
    }
}
