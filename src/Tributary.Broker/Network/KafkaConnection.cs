using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>
/// One client connection: reads int32 length-prefixed frames, hands each to the request processor one at a
/// time (as Kafka does, so responses leave in request order), and writes the responses back. Anything
/// malformed closes this connection after one log line; no other connection is affected. On a TLS listener the
/// TLS handshake comes first, here on the connection's own task (a client stalling in it delays nobody else)
/// and bounded by the handshake timeout. On a SASL listener the
/// frames go to the connection's <see cref="SaslAuthenticator"/> until the client has authenticated (with frames
/// limited to <see cref="SaslAuthenticator.MaxReceiveSize"/> meanwhile), then straight to the dispatcher. A client that
/// mistakes the listener's security (TLS or SASL on a PLAINTEXT listener) gets one log line saying what it attempted.
/// </summary>
/// <remarks>
/// Each response frame is already encoded in a pooled buffer, so it goes to the socket in one write from that buffer, or,
/// when it refers to stored record batches in place (a large fetch on a listener without TLS), in one gathering write of
/// the buffer's pieces and the batches; the answers to requests the client sent together go in one gathering write too
/// (<see cref="BrokerLink.SendAsync(Stream, IReadOnlyList{PooledBufferWriter}, SocketSender, CancellationToken)"/>). (A pipe writer would copy it again, into 4 KB
/// segments sent one by one: for a fetch response of several megabytes that was most of the broker's work.)
/// </remarks>
internal sealed class KafkaConnection : IAsyncDisposable
{
    /// <summary>A connection's read buffer, until a larger frame grows it (<see cref="FrameReader"/>).</summary>
    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private Stream _stream;
    private FrameReader? _reader; // created once the stream is ready (after the TLS handshake)
    private readonly IRequestProcessor _dispatcher;
    private IRequestProcessor _processor;
    private SaslAuthenticator? _authenticator;
    private readonly int _maxRequestSize;
    private readonly ILogger _logger;
    private readonly BrokerLink _link;
    private readonly CancellationTokenSource _closing = new();
    private readonly SocketSender _sender = new();

    /// <summary>
    /// Answers not sent yet: held while the client's next request is already read (<see cref="FrameReader.HasFrame"/>), so
    /// that the answers to requests a client sent together leave together, in one send.
    /// </summary>
    private readonly List<RequestOutcome> _held = [];
    private readonly List<PooledBufferWriter> _heldFrames = [];

    /// <summary>The most answers held at once: a client that pipelines thousands of small requests still gets answers as it goes.</summary>
    private const int MaxHeldResponses = 64;

    public KafkaConnection(Socket socket, ConnectionInfo info, IRequestProcessor processor, int maxRequestSize, ILogger logger, BrokerLink link)
    {
        _link = link;
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
            if (!_link.Register(this)) return;
            if (Info.Listener.Tls is { } tls && !await StartTlsAsync(tls, _closing.Token).ConfigureAwait(false)) return;
            _reader = new FrameReader(_stream, ReadBufferSize, _authenticator is null ? _maxRequestSize : Math.Min(_maxRequestSize, SaslAuthenticator.MaxReceiveSize));
            await ReadLoopAsync(_reader, _closing.Token).ConfigureAwait(false);
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
            _link.Unregister(this);
            ReleaseHeld();
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The TLS handshake; false (after one log line) when it failed and the connection must close.</summary>
    private async Task<bool> StartTlsAsync(TlsEndpoint tls, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var (stream, principal) = await tls.AuthenticateAsync(_stream, cancellationToken).ConfigureAwait(false);
            _stream = stream;
            if (principal is not null) Info.Principal = principal;
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reason = $"not completed within {tls.HandshakeTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            reason = e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}";
        }
        _logger.LogWarning("TLS handshake with {Client} on listener {Listener} of broker {Broker} (connection {Connection}) failed: {Reason}; closing it",
            Info.ClientHost, Info.Listener.Name, Info.Broker.Id, Info.ConnectionId, reason);
        return false;
    }

    private async Task ReadLoopAsync(FrameReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (read.Status)
            {
                case FrameStatus.Frame:
                    if (!await ProcessAsync(read.Frame, cancellationToken).ConfigureAwait(false)) return;
                    break;
                case FrameStatus.BadLength:
                    _logger.LogWarning("Connection {Connection} from {Client} sent a frame length of {Length} bytes (allowed 1 to {Max}){Hint}; closing it",
                        Info.ConnectionId, Info.ClientHost, read.Detail, reader.MaxFrameSize, LooksLikeTls(read.Detail) ? TlsHint : "");
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

    private const string TlsHint = " (the start of a TLS handshake: is a client configured for SSL talking to a listener without TLS?)";

    /// <summary>Whether a length prefix is the first bytes of a TLS record: handshake type 0x16, major version 3.</summary>
    private static bool LooksLikeTls(long length) => (length >> 16) is 0x1603;

    /// <summary>
    /// A SaslHandshake (API key 17) on a listener without SASL: the client is configured for SASL_PLAINTEXT or
    /// SASL_SSL. It is answered ILLEGAL_SASL_STATE as Kafka does, and logged once, saying what the client attempted.
    /// The request header (v1: key, version, correlation id, client id) and the body (the mechanism) are read here,
    /// before dispatch, because the client gives up right after the answer and would otherwise leave no trace.
    /// </summary>
    private void ReportSaslWithoutSasl(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 10 || BinaryPrimitives.ReadInt16BigEndian(frame) != SaslHandshakeApiKey) return;
        var rest = frame[8..];
        var clientId = ReadString(ref rest);
        var mechanism = ReadString(ref rest);
        _logger.LogWarning("Connection {Connection} from {Client} (client id {ClientId}) to broker {Broker} attempted a SASL handshake (mechanism {Mechanism}) on listener {Listener}, " +
                           "which has no SASL ({Protocol}): is a client configured for SASL_PLAINTEXT or SASL_SSL talking to a listener without SASL?",
            Info.ConnectionId, Info.ClientHost, clientId ?? "none", Info.Broker.Id, mechanism ?? "unknown", Info.Listener.Name, Info.Listener.SecurityProtocol.ToKafkaName());
    }

    private const short SaslHandshakeApiKey = 17;

    /// <summary>A Kafka nullable string (int16 length, UTF-8), or null when absent or truncated.</summary>
    private static string? ReadString(ref ReadOnlySpan<byte> span)
    {
        if (span.Length < 2) return null;
        var length = BinaryPrimitives.ReadInt16BigEndian(span);
        if (length < 0 || span.Length < 2 + length)
        {
            span = span[Math.Min(span.Length, 2)..];
            return null;
        }
        var value = Encoding.UTF8.GetString(span.Slice(2, length));
        span = span[(2 + length)..];
        return value;
    }

    /// <summary>
    /// Handles one request and sends its response, with those held before it; false when the connection must close. The
    /// response is held instead while the client's next request is already read and the link is not shaped: its answer then
    /// leaves with this one. Each pipelined answer sent on its own cost a system call that ran the client's receive path and
    /// woke it: three quarters of the broker's CPU for pipelined small requests (docs/benchmarks.md, issue 20, "Seventeenth
    /// round"). A request that waits (a long poll) never holds back the answers before it.
    /// </summary>
    private async ValueTask<bool> ProcessAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (_link.BlackHoled) return true; // read and swallowed: the client hears nothing
        if (!Info.Listener.SecurityProtocol.UsesSasl()) ReportSaslWithoutSasl(frame.Span);
        var processing = _processor.ProcessAsync(frame, Info, cancellationToken);
        var sent = processing.IsCompleted || await SendHeldAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await processing.ConfigureAwait(false);
        if (outcome.Response is null) outcome.Complete();
        else _held.Add(outcome);
        if (!sent) return false; // the client has gone
        if (_authenticator is { IsAuthenticated: true })
        {
            _processor = _dispatcher;
            _reader!.MaxFrameSize = _maxRequestSize;
            _authenticator = null;
        }
        if (outcome.Close || !_reader!.HasFrame || _held.Count >= MaxHeldResponses || _link.IsShaped)
            sent = await SendHeldAsync(cancellationToken).ConfigureAwait(false);
        return sent && !outcome.Close;
    }

    /// <summary>Sends the held answers in order and lets go of them; false when the client has gone.</summary>
    private async ValueTask<bool> SendHeldAsync(CancellationToken cancellationToken)
    {
        if (_held.Count == 0) return true;
        try
        {
            if (_held.Count == 1) return await _link.SendAsync(_stream, _held[0].Response!, _sender, cancellationToken).ConfigureAwait(false);
            foreach (var outcome in _held) _heldFrames.Add(outcome.Response!);
            return await _link.SendAsync(_stream, _heldFrames, _sender, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ReleaseHeld();
        }
    }

    /// <summary>Lets go of the held answers, sent or not: their buffers, and the log memory they referred to.</summary>
    private void ReleaseHeld()
    {
        _heldFrames.Clear();
        foreach (var outcome in _held) outcome.Complete();
        _held.Clear();
    }

    private async Task CloseAsync()
    {
        _closing.Cancel();
        _reader?.Dispose();
        try
        {
            // Not when a send or read found the client gone: shutting such a socket down only fails (ENOTCONN).
            if (_socket.Connected) _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone meanwhile.
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _sender.Dispose();
    }

    /// <summary>
    /// Resets the connection as a broken network does: the socket closes with a TCP RST (no orderly FIN), so the
    /// client sees "connection reset"; a request being handled is abandoned.
    /// </summary>
    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already.
        }
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed already.
        }
        _socket.Dispose();
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
