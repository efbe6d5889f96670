namespace Tributary.Broker.Log;

/// <summary>
/// A block of memory holding stored batches back to back, so that a fetch of consecutive batches is one
/// slice of one array (no copying). Like a Kafka segment, a fetch never spans two chunks. Bytes once written
/// are never changed, so slices handed to readers stay valid while later batches are appended.
/// </summary>
internal sealed class LogChunk : BatchStorage
{
    /// <summary>The first chunk of a log is small; each next one doubles up to this size.</summary>
    public const int MaxChunkSize = 4 * 1024 * 1024;
    private const int MinChunkSize = 16 * 1024;

    private readonly byte[] _buffer;

    /// <summary>How many bytes from the start are faulted in (<see cref="ChunkMemory.Populate"/>).</summary>
    private int _populated;

    private LogChunk(int capacity) => _buffer = ChunkMemory.Allocate(capacity);

    /// <summary>Bytes written so far.</summary>
    public int Used { get; private set; }

    /// <summary>
    /// A chunk big enough for <paramref name="batchSize"/>, sized after the previous chunk and no larger than a segment
    /// (<paramref name="segmentBytes"/>, segment.bytes) unless the batch is: the log starts a new chunk with each segment,
    /// so that retention, which deletes whole segments, leaves no chunk that a deleted segment shares with a live one.
    /// </summary>
    public static LogChunk Create(LogChunk? previous, int batchSize, long segmentBytes = MaxChunkSize)
    {
        var grown = previous is null ? MinChunkSize : Math.Min(previous._buffer.Length * 2, MaxChunkSize);
        return new LogChunk(Math.Max((int)Math.Min(grown, segmentBytes), batchSize));
    }

    /// <summary>Bytes the chunk can hold.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>True when <paramref name="size"/> more bytes fit.</summary>
    public bool HasRoomFor(int size) => _buffer.Length - Used >= size;

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
        var target = _buffer.AsMemory(Used, length);
        Used += length;
        if (Used > _populated) _populated = ChunkMemory.Populate(_buffer, _populated, Used);
        return target;
    }

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> Slice(int position, int length) => _buffer.AsMemory(position, length);
}
