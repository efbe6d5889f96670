using System.Buffers.Binary;
using Tributary.Broker.Network;

namespace Tributary.Broker.Tests.Network;

/// <summary>
/// The connection's frame reader takes length-prefixed frames out of whatever pieces the network delivers: several frames
/// in one read, one frame over many reads, frames larger than its buffer in a buffer grown for them (kept for the frames
/// after, up to a megabyte), and says how a stream that ends or lies about a length ended.
/// </summary>
public class FrameReaderTests
{
    private const int BufferSize = 64; // what ArrayPool<byte>.Shared rents for 64: exactly 64
    private const int MaxFrameSize = 1_000_000;

    [Fact]
    public async Task Frames_pipelined_in_one_read_come_out_one_by_one_without_another_read()
    {
        var stream = new PieceStream([.. Frame(Bytes(5, 1)), .. Frame(Bytes(7, 2)), .. Frame(Bytes(3, 3))]);
        using var reader = new FrameReader(stream, BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(5, 1), await ReadFrameAsync(reader));
        Assert.Equal(Bytes(7, 2), await ReadFrameAsync(reader));
        Assert.Equal(Bytes(3, 3), await ReadFrameAsync(reader));
        Assert.Equal(1, stream.Reads);
        Assert.Equal(FrameStatus.EndOfStream, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task It_says_whether_the_next_frame_is_read_whole_already()
    {
        // One read: a frame, a whole second one, half of a third; then the rest of the third with a frame too large for the
        // buffer; then the large frame's rest and an impossible length.
        byte[] third = Frame(Bytes(8, 3)), large = Frame(Bytes(100, 4));
        var stream = new PieceStream(
            [.. Frame(Bytes(5, 1)), .. Frame(Bytes(6, 2)), .. third[..5]],
            [.. third[5..], .. large[..20]],
            [.. large[20..], 0x7F, 0, 0, 0]);
        using var reader = new FrameReader(stream, BufferSize, MaxFrameSize);

        Assert.False(reader.HasFrame); // nothing read yet
        Assert.Equal(Bytes(5, 1), await ReadFrameAsync(reader));
        Assert.True(reader.HasFrame);
        Assert.Equal(Bytes(6, 2), await ReadFrameAsync(reader));
        Assert.False(reader.HasFrame); // the third is only partly read
        Assert.Equal(Bytes(8, 3), await ReadFrameAsync(reader));
        Assert.False(reader.HasFrame); // the large frame grows the buffer, which further reads fill
        Assert.Equal(Bytes(100, 4), await ReadFrameAsync(reader));
        Assert.False(reader.HasFrame);
        Assert.Equal(FrameStatus.BadLength, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_frame_that_arrives_one_byte_at_a_time_comes_out_whole()
    {
        var bytes = Frame(Bytes(20, 4)).Concat(Frame(Bytes(9, 5))).Select(b => new[] { b }).ToArray();
        using var reader = new FrameReader(new PieceStream(bytes), BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(20, 4), await ReadFrameAsync(reader));
        Assert.Equal(Bytes(9, 5), await ReadFrameAsync(reader));
    }

    [Theory]
    [InlineData(BufferSize - 4)] // with its prefix, exactly the buffer
    [InlineData(BufferSize - 3)] // with its prefix, one byte more than the buffer
    [InlineData(BufferSize)]
    [InlineData(10_000)]
    public async Task A_frame_around_and_above_the_buffer_size_comes_out_whole_between_small_ones(int size)
    {
        var large = Bytes(size, 6);
        byte[] all = [.. Frame(Bytes(10, 7)), .. Frame(large), .. Frame(Bytes(11, 8))];
        // Pieces of 50 bytes: the large frame's first bytes arrive with the small frame before it, its last with the one after.
        using var reader = new FrameReader(new PieceStream(all.Chunk(50).ToArray()), BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(10, 7), await ReadFrameAsync(reader));
        Assert.Equal(large, await ReadFrameAsync(reader));
        Assert.Equal(Bytes(11, 8), await ReadFrameAsync(reader));
        Assert.Equal(FrameStatus.EndOfStream, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_buffer_grown_for_a_large_frame_takes_the_next_one_in_a_single_read()
    {
        // As a producer sends its requests: one at a time, each about as large as the last.
        byte[] first = Frame(Bytes(1_000, 12)), second = Frame(Bytes(900, 13));
        var stream = new PieceStream(first, second);
        using var reader = new FrameReader(stream, BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(1_000, 12), await ReadFrameAsync(reader));
        Assert.Equal(2, stream.Reads); // what fit the small buffer, then the rest into the grown one
        Assert.True(reader.BufferLength >= first.Length);
        Assert.Equal(Bytes(900, 13), await ReadFrameAsync(reader));
        Assert.Equal(3, stream.Reads);
    }

    [Theory]
    [InlineData(10, BufferSize)] // back to the buffer given
    [InlineData(1_000, 1_024)] // a grown one, as large as the next frame needs (a power of two)
    public async Task A_buffer_grown_beyond_a_megabyte_is_given_back_before_a_frame_that_needs_less(int next, int bufferAfter)
    {
        var huge = Bytes(FrameReader.KeptBufferLength + 1, 14);
        var stream = new PieceStream(Frame(huge), Frame(Bytes(next, 15)));
        using var reader = new FrameReader(stream, BufferSize, 2 * FrameReader.KeptBufferLength);

        Assert.Equal(huge, await ReadFrameAsync(reader));
        Assert.True(reader.BufferLength > FrameReader.KeptBufferLength);
        Assert.Equal(Bytes(next, 15), await ReadFrameAsync(reader));
        Assert.Equal(bufferAfter, reader.BufferLength);
    }

    [Fact]
    public async Task A_frame_that_starts_near_the_end_of_the_buffer_moves_to_its_front()
    {
        // The first read fills the buffer: a frame of 40 bytes, then the first 16 bytes of one of 30 that cannot fit behind it.
        byte[] all = [.. Frame(Bytes(40, 9)), .. Frame(Bytes(30, 10)), .. Frame(Bytes(2, 11))];
        using var reader = new FrameReader(new PieceStream([all[..BufferSize], all[BufferSize..]]), BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(40, 9), await ReadFrameAsync(reader));
        Assert.Equal(Bytes(30, 10), await ReadFrameAsync(reader));
        Assert.Equal(Bytes(2, 11), await ReadFrameAsync(reader));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(MaxFrameSize + 1)]
    public async Task A_length_of_nothing_below_nothing_or_above_the_limit_is_a_bad_length(int length)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        using var reader = new FrameReader(new PieceStream([.. Frame(Bytes(3, 1)), .. prefix, 1, 2, 3]), BufferSize, MaxFrameSize);

        Assert.Equal(Bytes(3, 1), await ReadFrameAsync(reader));
        var read = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(FrameStatus.BadLength, read.Status);
        Assert.Equal(length, read.Detail);
    }

    [Fact]
    public async Task A_length_no_array_can_hold_is_a_bad_length_whatever_the_limit()
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, int.MaxValue - 1);
        using var reader = new FrameReader(new PieceStream([.. prefix, 1, 2, 3]), BufferSize, int.MaxValue);

        var read = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(FrameStatus.BadLength, read.Status);
        Assert.Equal(int.MaxValue - 1, read.Detail);
    }

    [Theory]
    [InlineData(2, 2)] // in the length prefix: the bytes of it received
    [InlineData(4, 0)] // after the prefix: none of the frame received
    [InlineData(14, 10)] // in a small frame's body: the bytes of it received
    public async Task A_stream_that_ends_in_a_small_frame_is_truncated_and_says_how_much_came(int sent, long detail)
    {
        var frame = Frame(Bytes(30, 1));
        using var reader = new FrameReader(new PieceStream([frame[..sent]]), BufferSize, MaxFrameSize);

        var read = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(FrameStatus.Truncated, read.Status);
        Assert.Equal(detail, read.Detail);
    }

    [Fact]
    public async Task A_stream_that_ends_in_a_large_frame_is_truncated_and_says_how_much_came()
    {
        var frame = Frame(Bytes(5_000, 1));
        using var reader = new FrameReader(new PieceStream(frame[..3_004].Chunk(1_000).ToArray()), BufferSize, MaxFrameSize);

        var read = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(FrameStatus.Truncated, read.Status);
        Assert.Equal(3_000, read.Detail);
    }

    private static async Task<byte[]> ReadFrameAsync(FrameReader reader)
    {
        var read = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal(FrameStatus.Frame, read.Status);
        return read.Frame.ToArray();
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stream that delivers its pieces one read at a time (less when the read's buffer is smaller), then ends.</summary>
    private sealed class PieceStream(params byte[][] pieces) : Stream
    {
        private readonly Queue<byte[]> _pieces = new(pieces);
        private int _offset; // into the first piece

        public int Reads { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield(); // as the network: the reader waits for every piece
            Reads++;
            if (!_pieces.TryPeek(out var piece)) return 0;
            var count = Math.Min(piece.Length - _offset, buffer.Length);
            piece.AsSpan(_offset, count).CopyTo(buffer.Span);
            _offset += count;
            if (_offset == piece.Length)
            {
                _pieces.Dequeue();
                _offset = 0;
            }
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
