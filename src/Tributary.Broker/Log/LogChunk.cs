namespace Tributary.Broker.Log;

/// <summary>
/// A block of memory holding stored batches back to back, so that a fetch of consecutive batches is one
/// slice of one array (no copying). Like a Kafka segment, a fetch never spans two chunks. Bytes once written
/// are never changed, so slices handed to readers stay valid while later batches are appended.
/// </summary>
/// <remarks>
/// A chunk counts its holders (<see cref="Retain"/>, <see cref="Release"/>: the log index entries pointing into it, the
/// log appending to it, the reads being answered from it); when the last lets go its memory goes back to the
/// <see cref="LogChunkPool"/> for another chunk to reuse. A chunk no one ever retained (a segment file's cache) is left to
/// the garbage collector.
/// </remarks>
internal sealed class LogChunk : BatchStorage
{
    /// <summary>The first chunk of a log is small; each next one doubles up to this size.</summary>
    public const int MaxChunkSize = 4 * 1024 * 1024;
    private const int MinChunkSize = 16 * 1024;

    private readonly ArraySegment<byte> _buffer;
    private readonly LogChunkPool _pool;

    /// <summary>How many bytes from the start are faulted in (<see cref="ChunkMemory.Populate"/>).</summary>
    private int _populated;

    private int _holders;
    private bool _returned; // the memory went back to the pool: any further use is a bug, and throws

    private LogChunk(int capacity, LogChunkPool pool)
    {
        _pool = pool;
        _buffer = pool.Rent(capacity, out _populated);
    }

    /// <summary>Bytes written so far.</summary>
    public int Used { get; private set; }

    /// <summary>
    /// A chunk big enough for <paramref name="batchSize"/>, sized after the previous chunk and no larger than a segment
    /// (<paramref name="segmentBytes"/>, segment.bytes) unless the batch is: the log starts a new chunk with each segment,
    /// so that retention, which deletes whole segments, leaves no chunk that a deleted segment shares with a live one.
    /// The size is rounded up to the <paramref name="pool"/>'s sizes, so that freed chunks fit new ones.
    /// </summary>
    public static LogChunk Create(LogChunk? previous, int batchSize, long segmentBytes = MaxChunkSize, LogChunkPool? pool = null)
    {
        var grown = previous is null ? MinChunkSize : Math.Min(previous._buffer.Count * 2, MaxChunkSize);
        var planned = LogChunkPool.CapacityFor((int)Math.Min(grown, segmentBytes));
        return new LogChunk(Math.Max(planned, batchSize), pool ?? previous?._pool ?? LogChunkPool.Shared);
    }

    /// <summary>Bytes the chunk can hold.</summary>
    public int Capacity => _buffer.Count;

    /// <summary>True when <paramref name="size"/> more bytes fit.</summary>
    public bool HasRoomFor(int size) => _buffer.Count - Used >= size;

    /// <summary>Copies a batch in and returns where it lives; the caller patches the copy before publishing it.</summary>
    public Memory<byte> Append(ReadOnlySpan<byte> batch)
    {
        var target = Reserve(batch.Length);
        batch.CopyTo(target.Span);
        return target;
    }

    /// <summary>The next <paramref name="length"/> bytes, for the caller to fill before publishing them.</summary>
    public Memory<byte> Reserve(int length)
    {
        ThrowIfReturned();
        var target = _buffer.AsMemory(Used, length);
        Used += length;
        if (Used > _populated) _populated = ChunkMemory.Populate(_buffer, _populated, Used);
        return target;
    }

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> Slice(int position, int length)
    {
        ThrowIfReturned();
        return _buffer.AsMemory(position, length);
    }

    /// <inheritdoc />
    public override void Retain()
    {
        ThrowIfReturned();
        Interlocked.Increment(ref _holders);
    }

    /// <inheritdoc />
    public override void Release()
    {
        var left = Interlocked.Decrement(ref _holders);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("A log chunk was released more often than retained.");
        _returned = true;
        _pool.Return(_buffer, _populated);
    }

    private void ThrowIfReturned()
    {
        if (_returned) throw new InvalidOperationException("A log chunk was used after its memory went back to the pool.");
    }
}
