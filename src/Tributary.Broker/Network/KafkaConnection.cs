using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Network;

/// <summary>
/// One client connection: reads int32 length-prefixed frames, hands each to the request processor one at a
/// time (as Kafka does, so responses leave in request order), and writes the responses back. Anything
/// malformed closes this connection after one log line; no other connection is affected.
/// </summary>
internal sealed class KafkaConnection : IAsyncDisposable
{
    private const int LengthPrefixSize = 4;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly IRequestProcessor _processor;
    private readonly int _maxRequestSize;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();

    public KafkaConnection(Socket socket, ConnectionInfo info, IRequestProcessor processor, int maxRequestSize, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        Info = info;
        _processor = processor;
        _maxRequestSize = maxRequestSize;
        _logger = logger;
    }

    /// <summary>Who is connected.</summary>
    public ConnectionInfo Info { get; }

    /// <summary>Serves the connection until the client leaves, sends something malformed, or the broker stops.</summary>
    public async Task RunAsync()
    {
        try
        {
            await ReadLoopAsync(_closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client went away or the broker is stopping: nothing to report.
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Connection {Connection} from {Client} to broker {Broker} failed; closing it",
                Info.ConnectionId, Info.ClientHost, Info.Broker.Id);
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var keepOpen = true;
            while (keepOpen && TryTakeFrame(ref buffer, out var frame, out keepOpen))
            {
                keepOpen = await ProcessAsync(frame, cancellationToken).ConfigureAwait(false);
                // Flush every response at once: the next request may be a long poll.
                await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!keepOpen) return;
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                    _logger.LogWarning("Connection {Connection} from {Client} closed in the middle of a frame ({Bytes} bytes pending)",
                        Info.ConnectionId, Info.ClientHost, buffer.Length);
                return;
            }
        }
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. Returns false when more bytes are needed,
    /// or (with <paramref name="keepOpen"/> false) when the length prefix is impossible.
    /// </summary>
    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame, out bool keepOpen)
    {
        frame = default;
        keepOpen = true;
        if (buffer.Length < LengthPrefixSize) return false;
        Span<byte> prefix = stackalloc byte[LengthPrefixSize];
        buffer.Slice(0, LengthPrefixSize).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length <= 0 || length > _maxRequestSize)
        {
            _logger.LogWarning("Connection {Connection} from {Client} sent a frame length of {Length} bytes (allowed 1 to {Max}); closing it",
                Info.ConnectionId, Info.ClientHost, length, _maxRequestSize);
            keepOpen = false;
            return false;
        }
        if (buffer.Length < LengthPrefixSize + (long)length) return false;
        frame = buffer.Slice(LengthPrefixSize, length);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    private async ValueTask<bool> ProcessAsync(ReadOnlySequence<byte> frame, CancellationToken cancellationToken)
    {
        byte[]? rented = null;
        ReadOnlyMemory<byte> memory;
        if (frame.IsSingleSegment) memory = frame.First;
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(rented);
            memory = rented.AsMemory(0, (int)frame.Length);
        }
        try
        {
            var outcome = await _processor.ProcessAsync(memory, Info, cancellationToken).ConfigureAwait(false);
            if (outcome.Response is { } response)
            {
                using (response) _writer.Write(response.WrittenSpan);
            }
            return !outcome.Close;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task CloseAsync()
    {
        _closing.Cancel();
        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            // Completing the writer flushes what is left; the socket may be gone already.
            await _writer.CompleteAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops serving: a pending long poll is cancelled and the socket is closed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _closing.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Closed already.
        }
        _socket.Dispose();
    }
}
