namespace Tributary.Protocol.Compression;

/// <summary>
/// The destination of one decompression: appends to a <see cref="PooledBufferWriter"/> and throws
/// <see cref="DecompressionLimitExceededException"/> before the output grows past the limit.
/// </summary>
internal readonly struct BoundedOutput
{
    // Large enough that a decoder does real work per call, small enough that the last chunk overshoots little.
    private const int ChunkSize = 64 * 1024;

    private readonly PooledBufferWriter _destination;
    private readonly int _start;

    public BoundedOutput(PooledBufferWriter destination, int limit, CompressionCodec codec)
    {
        _destination = destination;
        _start = destination.WrittenCount;
        Limit = limit;
        Codec = codec;
    }

    public int Limit { get; }

    public CompressionCodec Codec { get; }

    /// <summary>Bytes produced so far by this decompression.</summary>
    public int Produced => _destination.WrittenCount - _start;

    /// <summary>Returns room for exactly <paramref name="length"/> more bytes, or throws if they would pass the limit.</summary>
    public Span<byte> Reserve(long length)
    {
        if (length < 0 || Produced + length > Limit) throw new DecompressionLimitExceededException(Codec, Limit);
        return _destination.GetSpan((int)length)[..(int)length];
    }

    /// <summary>Marks <paramref name="count"/> reserved bytes as written.</summary>
    public void Commit(int count) => _destination.Advance(count);

    /// <summary>
    /// Reads <paramref name="decoder"/> to its end. Each read asks for at most one byte more than the limit allows,
    /// so a decoder that keeps producing is caught as soon as it passes the limit, not after.
    /// </summary>
    public void CopyFrom(Stream decoder)
    {
        while (true)
        {
            var allowed = (long)Limit - Produced + 1;
            var span = _destination.GetSpan(ChunkSize);
            var read = decoder.Read(span[..(int)Math.Min(span.Length, allowed)]);
            if (read == 0) return;
            _destination.Advance(read);
            if (Produced > Limit) throw new DecompressionLimitExceededException(Codec, Limit);
        }
    }

    /// <summary>A read-only stream over <paramref name="source"/>, without copying when it is backed by an array.</summary>
    public static Stream OpenRead(ReadOnlyMemory<byte> source) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(source, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(source.ToArray(), writable: false);
}
