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
/// Reads int32 length-prefixed frames from a stream with as few reads as possible. Small frames come out of one
/// reusable buffer, several per read when the client pipelines. A frame larger than that buffer gets a pooled
/// array of its own size (from <see cref="LargeBuffers"/>) that the stream fills directly, so a megabyte produce request takes a few large reads
/// (not one per 64 KB segment, each a trip through the thread pool) and is never copied a second time.
/// </summary>
/// <remarks>
/// One asynchronous method, <see cref="ReadAsync"/>, awaits the stream; what the bytes read mean (a length prefix, a
/// small frame, part of a large one) is worked out synchronously between reads. A read that has to wait for the network
/// then suspends one state machine, pooled (no allocation), and resumes it, where nested asynchronous methods suspended
/// and resumed one each and boxed every one: in the broker's produce profile, reading frames took 7% of its samples, most
/// of them in that machinery (docs/benchmarks.md, issue 20, "Sixteenth round").
/// </remarks>
internal sealed class FrameReader : IDisposable
{
    private const int LengthPrefixSize = 4;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start; // unread bytes are _buffer[_start.._end]
    private int _end;
    private byte[]? _largeFrame; // the frame being read, or the last one returned, when it did not fit the buffer
    private int _largeLength;
    private int _largeFilled;

    /// <summary>Reads from <paramref name="stream"/>, buffering up to <paramref name="bufferSize"/> bytes and accepting frames up to <paramref name="maxFrameSize"/>.</summary>
    public FrameReader(Stream stream, int bufferSize, int maxFrameSize)
    {
        _stream = stream;
        MaxFrameSize = maxFrameSize;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>The largest frame accepted; a longer length prefix is <see cref="FrameStatus.BadLength"/>.</summary>
    public int MaxFrameSize { get; set; }

    /// <summary>
    /// True when the bytes read hold the next frame whole (the client sent it without waiting for an answer), so that
    /// <see cref="ReadAsync"/> returns it without reading from the stream.
    /// </summary>
    public bool HasFrame => _largeFrame is null && Buffered(out _) == BufferedBytes.Frame;

    /// <summary>Reads the next frame. The previous frame's memory is no longer valid once this is called.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        ReturnLargeFrame();
        FrameReadResult result;
        while (!TryTake(out result))
        {
            var read = await _stream.ReadAsync(ReadTarget(), cancellationToken).ConfigureAwait(false);
            if (read == 0) return Ended();
            if (_largeFrame is null) _end += read;
            else _largeFilled += read;
        }
        return result;
    }

    /// <summary>The next frame, or what ends reading, if the bytes read so far tell; false when more must be read.</summary>
    private bool TryTake(out FrameReadResult result)
    {
        result = default;
        if (_largeFrame is not null)
        {
            if (_largeFilled < _largeLength) return false;
            result = new(FrameStatus.Frame, _largeFrame.AsMemory(0, _largeLength));
            return true;
        }
        switch (Buffered(out var length))
        {
            case BufferedBytes.BadLength:
                result = new(FrameStatus.BadLength, Detail: length);
                return true;
            case BufferedBytes.LargeFrame:
                return StartLargeFrame(length);
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
        /// <summary>Part of a length prefix, or part of a frame that fits the buffer.</summary>
        Partial,

        /// <summary>A whole frame.</summary>
        Frame,

        /// <summary>The prefix of a frame too large for the buffer.</summary>
        LargeFrame,

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
        if (length > _buffer.Length - LengthPrefixSize) return BufferedBytes.LargeFrame;
        return _end - _start - LengthPrefixSize < length ? BufferedBytes.Partial : BufferedBytes.Frame;
    }

    /// <summary>Moves a frame too large for the buffer into an array of its own, which the next reads fill.</summary>
    private bool StartLargeFrame(int length)
    {
        var frame = LargeBuffers.Pool.Rent(length);
        var buffered = _end - _start - LengthPrefixSize; // less than the frame, which with its prefix is larger than the whole buffer
        _buffer.AsSpan(_start + LengthPrefixSize, buffered).CopyTo(frame);
        _start = _end = 0;
        _largeFrame = frame;
        _largeLength = length;
        _largeFilled = buffered;
        return false;
    }

    /// <summary>Where the next read goes: the rest of a large frame, or the buffer after its unread bytes.</summary>
    private Memory<byte> ReadTarget()
    {
        if (_largeFrame is not null) return _largeFrame.AsMemory(_largeFilled, _largeLength - _largeFilled);
        if (_start == _end) _start = _end = 0;
        else if (_buffer.Length - _start < FrameBytesNeeded())
        {
            // Move the unread bytes to the front so that the frame they start fits: earlier frames are done with (their handlers have completed).
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        return _buffer.AsMemory(_end);
    }

    /// <summary>
    /// The bytes the frame that starts at <see cref="_start"/> takes with its prefix, as far as the bytes read tell (a length
    /// read is one <see cref="TryTake"/> accepted, so the frame fits the buffer).
    /// </summary>
    private int FrameBytesNeeded() =>
        _end - _start < LengthPrefixSize ? LengthPrefixSize : LengthPrefixSize + BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));

    /// <summary>What it means that the stream ended now.</summary>
    private FrameReadResult Ended()
    {
        if (_largeFrame is not null) return new(FrameStatus.Truncated, Detail: _largeFilled);
        var buffered = _end - _start;
        if (buffered == 0) return new(FrameStatus.EndOfStream);
        return new(FrameStatus.Truncated, Detail: buffered < LengthPrefixSize ? buffered : buffered - LengthPrefixSize);
    }

    private void ReturnLargeFrame()
    {
        if (_largeFrame is null) return;
        LargeBuffers.Pool.Return(_largeFrame);
        _largeFrame = null;
    }

    /// <summary>Returns the buffers to the pool; call only when no read is running.</summary>
    public void Dispose()
    {
        ReturnLargeFrame();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
