using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Tributary.Broker.Network;

/// <summary>How reading the next frame ended.</summary>
internal enum FrameStatus
{
    /// <summary>A whole frame was read.</summary>
    Frame,

    /// <summary>The client closed the connection between frames.</summary>
    EndOfStream,

    /// <summary>The client closed the connection in the middle of a frame.</summary>
    Truncated,

    /// <summary>The length prefix is zero, negative or above the limit.</summary>
    BadLength,
}

/// <summary>The outcome of <see cref="FrameReader.ReadAsync"/>.</summary>
/// <param name="Status">How reading ended.</param>
/// <param name="Frame">The frame without its length prefix, valid until the next read.</param>
/// <param name="Detail">For <see cref="FrameStatus.BadLength"/> the length read; for <see cref="FrameStatus.Truncated"/> the bytes received of the frame.</param>
internal readonly record struct FrameReadResult(FrameStatus Status, ReadOnlyMemory<byte> Frame = default, long Detail = 0);

/// <summary>
/// Reads int32 length-prefixed frames from a stream with as few reads and copies as possible. Frames come out of one
/// reusable buffer, several per read when the client pipelines. A frame larger than the buffer grows it (a pooled array
/// from <see cref="LargeBuffers"/>, of the next power of two), and the stream fills the grown buffer directly, so a
/// megabyte produce request takes a few large reads (not one per 64 KB segment, each a trip through the event thread).
/// </summary>
/// <remarks>
/// <para>
/// A buffer grown to at most <see cref="KeptBufferLength"/> stays for the frames after: a producer's next request is as
/// large as its last, and is then read whole in place. Before, each large frame got an array of its own, and the first
/// bytes of every one (what the first read had put in the 64 KB buffer) were copied into it: a third of the bytes of a
/// 3-broker cluster's produce requests (about 140 KB each) were copied twice (docs/benchmarks.md, issue 20, "Eighteenth
/// round"). A buffer grown beyond that length is given back before the next frame that needs no more than that is read
/// into it, so a connection holds at most a megabyte between requests of up to a megabyte, as long as it stays open.
/// </para>
/// <para>
/// One asynchronous method, <see cref="ReadAsync"/>, awaits the stream; what the bytes read mean (a length prefix, part
/// of a frame, a whole one) is worked out synchronously between reads. A read that has to wait for the network then
/// suspends one state machine, pooled (no allocation), and resumes it, where nested asynchronous methods suspended and
/// resumed one each and boxed every one: in the broker's produce profile, reading frames took 7% of its samples, most of
/// them in that machinery (docs/benchmarks.md, issue 20, "Sixteenth round").
/// </para>
/// </remarks>
internal sealed class FrameReader : IDisposable
{
    private const int LengthPrefixSize = 4;

    /// <summary>A buffer grown for a frame stays for the frames after while it is at most this long (a megabyte, the size clients cap their requests at by default).</summary>
    internal const int KeptBufferLength = 1024 * 1024;

    private readonly Stream _stream;
    private readonly int _smallLength;
    private byte[] _buffer;
    private bool _grown; // _buffer came from LargeBuffers.Pool, not ArrayPool<byte>.Shared
    private int _start; // unread bytes are _buffer[_start.._end]
    private int _end;
    private int _maxFrameSize;

    /// <summary>Reads from <paramref name="stream"/>, buffering <paramref name="bufferSize"/> bytes (more while frames are larger) and accepting frames up to <paramref name="maxFrameSize"/>.</summary>
    public FrameReader(Stream stream, int bufferSize, int maxFrameSize)
    {
        _stream = stream;
        MaxFrameSize = maxFrameSize;
        _smallLength = bufferSize;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>
    /// The largest frame accepted; a longer length prefix is <see cref="FrameStatus.BadLength"/>. At most what an array can
    /// hold with the prefix, whatever is set: the frame is read into one buffer.
    /// </summary>
    public int MaxFrameSize
    {
        get => _maxFrameSize;
        set => _maxFrameSize = Math.Min(value, Array.MaxLength - LengthPrefixSize);
    }

    /// <summary>How long the buffer is now: the one given, or grown for a large frame.</summary>
    internal int BufferLength => _buffer.Length;

    /// <summary>
    /// True when the bytes read hold the next frame whole (the client sent it without waiting for an answer), so that
    /// <see cref="ReadAsync"/> returns it without reading from the stream.
    /// </summary>
    public bool HasFrame => Buffered(out _) == BufferedBytes.Frame;

    /// <summary>Reads the next frame. The previous frame's memory is no longer valid once this is called.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        FrameReadResult result;
        while (!TryTake(out result))
        {
            var read = await _stream.ReadAsync(ReadTarget(), cancellationToken).ConfigureAwait(false);
            if (read == 0) return Ended();
            _end += read;
        }
        return result;
    }

    /// <summary>The next frame, or what ends reading, if the bytes read so far tell; false when more must be read.</summary>
    private bool TryTake(out FrameReadResult result)
    {
        result = default;
        switch (Buffered(out var length))
        {
            case BufferedBytes.BadLength:
                result = new(FrameStatus.BadLength, Detail: length);
                return true;
            case BufferedBytes.Frame:
                result = new(FrameStatus.Frame, _buffer.AsMemory(_start + LengthPrefixSize, length));
                _start += LengthPrefixSize + length;
                return true;
            default:
                return false;
        }
    }

    /// <summary>What the unread bytes of the buffer start with.</summary>
    private enum BufferedBytes
    {
        /// <summary>Part of a length prefix, or part of a frame.</summary>
        Partial,

        /// <summary>A whole frame.</summary>
        Frame,

        /// <summary>A length prefix that is zero, negative or above the limit.</summary>
        BadLength,
    }

    /// <summary>What the unread bytes of the buffer start with, and the length their prefix says (when there is one).</summary>
    private BufferedBytes Buffered(out int length)
    {
        length = 0;
        if (_end - _start < LengthPrefixSize) return BufferedBytes.Partial;
        length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));
        if (length <= 0 || length > MaxFrameSize) return BufferedBytes.BadLength;
        return _end - _start - LengthPrefixSize < length ? BufferedBytes.Partial : BufferedBytes.Frame;
    }

    /// <summary>
    /// Where the next read goes: the buffer after its unread bytes, with room for the frame they start (the frames before
    /// it are done with: their handlers have completed).
    /// </summary>
    private Memory<byte> ReadTarget()
    {
        var needed = FrameBytesNeeded();
        if (needed > _buffer.Length || (_buffer.Length > KeptBufferLength && needed <= KeptBufferLength)) Resize(needed);
        else if (_start == _end) _start = _end = 0;
        else if (_buffer.Length - _start < needed) MoveUnreadTo(_buffer);
        return _buffer.AsMemory(_end);
    }

    /// <summary>
    /// The bytes the frame that starts at <see cref="_start"/> takes with its prefix, as far as the bytes read tell (a length
    /// read is one <see cref="TryTake"/> accepted).
    /// </summary>
    private int FrameBytesNeeded() =>
        _end - _start < LengthPrefixSize ? LengthPrefixSize : LengthPrefixSize + BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));

    /// <summary>Moves the unread bytes into a buffer of at least <paramref name="length"/> bytes: the small one, or one grown from <see cref="LargeBuffers"/>.</summary>
    private void Resize(int length)
    {
        var grown = length > _smallLength;
        var buffer = grown ? LargeBuffers.Pool.Rent(length) : ArrayPool<byte>.Shared.Rent(_smallLength);
        var old = _buffer;
        var oldGrown = _grown;
        MoveUnreadTo(buffer);
        _buffer = buffer;
        _grown = grown;
        Return(old, oldGrown);
    }

    /// <summary>Moves the unread bytes to the front of <paramref name="buffer"/>.</summary>
    private void MoveUnreadTo(byte[] buffer)
    {
        _buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
        _end -= _start;
        _start = 0;
    }

    /// <summary>What it means that the stream ended now.</summary>
    private FrameReadResult Ended()
    {
        var buffered = _end - _start;
        if (buffered == 0) return new(FrameStatus.EndOfStream);
        return new(FrameStatus.Truncated, Detail: buffered < LengthPrefixSize ? buffered : buffered - LengthPrefixSize);
    }

    private static void Return(byte[] buffer, bool grown)
    {
        if (buffer.Length == 0) return;
        if (grown) LargeBuffers.Pool.Return(buffer);
        else ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Returns the buffer to its pool; call only when no read is running.</summary>
    public void Dispose() => Return(Interlocked.Exchange(ref _buffer, []), _grown);
}
