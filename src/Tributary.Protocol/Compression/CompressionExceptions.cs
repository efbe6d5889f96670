namespace Tributary.Protocol.Compression;

/// <summary>A record batch names a compression codec that Kafka does not define (attribute bits 0-2 set to 5, 6 or 7).</summary>
public sealed class UnsupportedCompressionException : KafkaProtocolException
{
    /// <summary>Creates the exception for the codec id found in the batch attributes.</summary>
    public UnsupportedCompressionException(int codecId)
        : base($"Unsupported compression codec {codecId}: Kafka defines 0 (none), 1 (gzip), 2 (snappy), 3 (lz4) and 4 (zstd).")
    {
        CodecId = codecId;
    }

    /// <summary>The codec id found in the batch attributes.</summary>
    public int CodecId { get; }

    /// <summary>The error a broker answers with.</summary>
    public ErrorCode ErrorCode => ErrorCode.UnsupportedCompressionType;
}

/// <summary>
/// Decompressing would produce more bytes than the configured limit: the batch is refused before the limit
/// is exceeded, so a small "decompression bomb" cannot exhaust memory.
/// </summary>
public sealed class DecompressionLimitExceededException : KafkaProtocolException
{
    /// <summary>Creates the exception for <paramref name="codec"/> and the limit that was reached.</summary>
    public DecompressionLimitExceededException(CompressionCodec codec, long limit)
        : base($"Decompressing {codec} data would produce more than the limit of {limit} bytes.")
    {
        Codec = codec;
        Limit = limit;
    }

    /// <summary>The codec of the refused data.</summary>
    public CompressionCodec Codec { get; }

    /// <summary>The maximum number of decompressed bytes that was allowed.</summary>
    public long Limit { get; }

    /// <summary>The error a broker answers with.</summary>
    public ErrorCode ErrorCode => ErrorCode.MessageTooLarge;
}

/// <summary>Compressed data could not be decoded: a bad frame header, a corrupt block, a truncated stream.</summary>
public sealed class InvalidCompressedDataException : KafkaProtocolException
{
    /// <summary>Creates the exception with a reason.</summary>
    public InvalidCompressedDataException(CompressionCodec codec, string reason)
        : base($"Invalid {codec} data: {reason}")
    {
        Codec = codec;
    }

    /// <summary>Creates the exception for an error raised by the codec library.</summary>
    public InvalidCompressedDataException(CompressionCodec codec, Exception inner)
        : base($"Invalid {codec} data: {inner.Message}", inner)
    {
        Codec = codec;
    }

    /// <summary>The codec of the rejected data.</summary>
    public CompressionCodec Codec { get; }

    /// <summary>The error a broker answers with.</summary>
    public ErrorCode ErrorCode => ErrorCode.CorruptMessage;
}
