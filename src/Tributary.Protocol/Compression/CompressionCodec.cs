namespace Tributary.Protocol.Compression;

/// <summary>
/// The compression codec of a record batch: the value of bits 0-2 of its attributes. Values 5-7 are not
/// defined by Kafka and are rejected with <see cref="UnsupportedCompressionException"/>.
/// </summary>
public enum CompressionCodec : byte
{
    /// <summary>Records are stored uncompressed.</summary>
    None = 0,
    /// <summary>GZIP (RFC 1952).</summary>
    Gzip = 1,
    /// <summary>Snappy, raw or in the xerial framing written by the Java client.</summary>
    Snappy = 2,
    /// <summary>LZ4 frame format with independent blocks.</summary>
    Lz4 = 3,
    /// <summary>Zstandard.</summary>
    Zstd = 4,
}
