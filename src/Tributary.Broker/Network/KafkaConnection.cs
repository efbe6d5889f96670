using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Network;

/// <summary>
/// One client connection: reads int32 length-prefixed frames, hands each to the request processor one at a
/// time (as Kafka does, so responses leave in request order), and writes the responses back. Anything
/// malformed closes this connection after one log line; no other connection is affected. On a SASL listener the
/// frames go to the connection's <see cref="SaslAuthenticator"/> until the client has authenticated (with frames
/// limited to <see cref="SaslAuthenticator.MaxReceiveSize"/> meanwhile), then straight to the dispatcher.
/// </summary>
/// <remarks>
/// Each response frame is already encoded whole in a pooled buffer, so it goes to the socket in one write from
/// that buffer. (A pipe writer would copy it again, into 4 KB segments sent one by one: for a fetch response of
/// several megabytes that was most of the broker's work.)
/// </remarks>
internal sealed class KafkaConnection : IAsyncDisposable
{
    /// <summary>Frames up to this size are read into one reused buffer; larger ones get a pooled array each.</summary>
    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly IRequestProcessor _dispatcher;
    private IRequestProcessor _processor;
    private SaslAuthenticator? _authenticator;
    private readonly int _maxRequestSize;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();

    public KafkaConnection(Socket socket, ConnectionInfo info, IRequestProcessor processor, int maxRequestSize, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Info = info;
        _dispatcher = processor;
        _processor = processor;
        if (info.Listener.SecurityProtocol.UsesSasl())
        {
            _authenticator = new SaslAuthenticator(processor, logger);
            _processor = _authenticator;
        }
        _reader = new FrameReader(_stream, ReadBufferSize, _authenticator is null ? maxRequestSize : Math.Min(maxRequestSize, SaslAuthenticator.MaxReceiveSize));
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
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (read.Status)
            {
                case FrameStatus.Frame:
                    if (!await ProcessAsync(read.Frame, cancellationToken).ConfigureAwait(false)) return;
                    break;
                case FrameStatus.BadLength:
                    _logger.LogWarning("Connection {Connection} from {Client} sent a frame length of {Length} bytes (allowed 1 to {Max}); closing it",
                        Info.ConnectionId, Info.ClientHost, read.Detail, _reader.MaxFrameSize);
                    return;
                case FrameStatus.Truncated:
                    _logger.LogWarning("Connection {Connection} from {Client} closed in the middle of a frame ({Bytes} bytes pending)",
                        Info.ConnectionId, Info.ClientHost, read.Detail);
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>Handles one request and sends its response; false when the connection must close.</summary>
    private async ValueTask<bool> ProcessAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var outcome = await _processor.ProcessAsync(frame, Info, cancellationToken).ConfigureAwait(false);
        if (outcome.Response is { } response)
        {
            // Sent at once, not held back for later responses: the next request may be a long poll.
            using (response) await _stream.WriteAsync(response.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        if (_authenticator is { IsAuthenticated: true })
        {
            _processor = _dispatcher;
            _reader.MaxFrameSize = _maxRequestSize;
            _authenticator = null;
        }
        return !outcome.Close;
    }

    private async Task CloseAsync()
    {
        _closing.Cancel();
        _reader.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
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
