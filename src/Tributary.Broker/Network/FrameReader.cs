using System.Buffers;
using System.Buffers.Binary;

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
internal sealed class FrameReader : IDisposable
{
    private const int LengthPrefixSize = 4;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start; // unread bytes are _buffer[_start.._end]
    private int _end;
    private byte[]? _largeFrame; // the current frame when it did not fit the buffer

    /// <summary>Reads from <paramref name="stream"/>, buffering up to <paramref name="bufferSize"/> bytes and accepting frames up to <paramref name="maxFrameSize"/>.</summary>
    public FrameReader(Stream stream, int bufferSize, int maxFrameSize)
    {
        _stream = stream;
        MaxFrameSize = maxFrameSize;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>The largest frame accepted; a longer length prefix is <see cref="FrameStatus.BadLength"/>.</summary>
    public int MaxFrameSize { get; set; }

    /// <summary>Reads the next frame. The previous frame's memory is no longer valid once this is called.</summary>
    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        ReturnLargeFrame();
        if (!await FillAsync(LengthPrefixSize, cancellationToken).ConfigureAwait(false))
            return _end == _start ? new(FrameStatus.EndOfStream) : new(FrameStatus.Truncated, Detail: _end - _start);

        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));
        if (length <= 0 || length > MaxFrameSize) return new(FrameStatus.BadLength, Detail: length);
        _start += LengthPrefixSize;

        if (length <= _buffer.Length)
        {
            if (!await FillAsync(length, cancellationToken).ConfigureAwait(false)) return new(FrameStatus.Truncated, Detail: _end - _start);
            var frame = _buffer.AsMemory(_start, length);
            _start += length;
            return new(FrameStatus.Frame, frame);
        }
        return await ReadLargeAsync(length, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<FrameReadResult> ReadLargeAsync(int length, CancellationToken cancellationToken)
    {
        var frame = LargeBuffers.Pool.Rent(length);
        _largeFrame = frame;
        var filled = _end - _start;
        _buffer.AsSpan(_start, filled).CopyTo(frame);
        _start = _end = 0;
        while (filled < length)
        {
            var read = await _stream.ReadAsync(frame.AsMemory(filled, length - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0) return new(FrameStatus.Truncated, Detail: filled);
            filled += read;
        }
        return new(FrameStatus.Frame, frame.AsMemory(0, length));
    }

    /// <summary>Reads until at least <paramref name="count"/> unread bytes are buffered; false if the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count) return true;
        if (_buffer.Length - _start < count)
        {
            // Move the unread tail to the front: earlier frames are done with (their handlers have completed).
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            _end += read;
        }
        return true;
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
