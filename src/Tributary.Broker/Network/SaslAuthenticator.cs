using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Handlers;
using Tributary.Broker.Security.Sasl;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Network;

/// <summary>
/// The SASL state machine of one connection to a SASL listener, in front of the dispatcher until the client has
/// authenticated: ApiVersions or SaslHandshake first, then the mechanism's tokens, then the principal goes on the
/// connection and every later request goes to the dispatcher.
/// </summary>
/// <remarks>
/// <para>SaslHandshake v1 is followed by SaslAuthenticate requests (v0-2) carrying the tokens. SaslHandshake v0 is
/// followed by the tokens as bare length-prefixed frames, answered the same way (the flow of clients older than
/// Kafka 1.0), and a failure there can only close the connection.</para>
/// <para>As in Kafka, any other request before authentication closes the connection, an unknown mechanism is
/// answered with UNSUPPORTED_SASL_MECHANISM and the enabled list, and a failed exchange with
/// SASL_AUTHENTICATION_FAILED and the reason; both then close.</para>
/// </remarks>
internal sealed class SaslAuthenticator : IRequestProcessor
{
    /// <summary>The newest SaslHandshake version served.</summary>
    public const short MaxHandshakeVersion = 1;

    /// <summary>The newest SaslAuthenticate version served.</summary>
    public const short MaxAuthenticateVersion = 2;

    /// <summary>The largest frame accepted before authentication (Kafka's sasl.server.max.receive.size).</summary>
    public const int MaxReceiveSize = 512 * 1024;

    private enum State { HandshakeOrVersions, Authenticate, RawTokens, Authenticated, Failed }

    private readonly IRequestProcessor _dispatcher;
    private readonly ILogger _logger;
    private State _state;
    private ISaslMechanism? _mechanism;
    private ISaslServer? _server;

    public SaslAuthenticator(IRequestProcessor dispatcher, ILogger logger)
    {
        _dispatcher = dispatcher;
        _logger = logger;
    }

    /// <summary>True once the client has authenticated: from then on the connection talks to the dispatcher directly.</summary>
    public bool IsAuthenticated => _state == State.Authenticated;

    /// <inheritdoc />
    public ValueTask<RequestOutcome> ProcessAsync(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        switch (_state)
        {
            case State.RawTokens:
                return ValueTask.FromResult(RawToken(frame.Span, connection));
            case State.Authenticated:
                return _dispatcher.ProcessAsync(frame, connection, cancellationToken);
            case State.Failed:
                return ValueTask.FromResult(RequestOutcome.CloseConnection);
        }
        if (frame.Length < 8) return ValueTask.FromResult(Reject(connection, $"a {frame.Length}-byte frame, too short for a request header"));
        var apiKey = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.Span[2..]);
        return (_state, apiKey) switch
        {
            (State.HandshakeOrVersions, ApiKey.ApiVersions) => _dispatcher.ProcessAsync(frame, connection, cancellationToken),
            (State.HandshakeOrVersions, ApiKey.SaslHandshake) when version is >= 0 and <= MaxHandshakeVersion =>
                ValueTask.FromResult(Decoded<SaslHandshakeRequest>(frame, apiKey, version, connection, Handshake)),
            (State.Authenticate, ApiKey.SaslAuthenticate) when version is >= 0 and <= MaxAuthenticateVersion =>
                ValueTask.FromResult(Decoded<SaslAuthenticateRequest>(frame, apiKey, version, connection, Authenticate)),
            _ => ValueTask.FromResult(Reject(connection, $"{Describe(apiKey)} v{version} where a SASL {(_state == State.Authenticate ? "SaslAuthenticate" : "SaslHandshake")} request was due")),
        };
    }

    private RequestOutcome Decoded<T>(ReadOnlyMemory<byte> frame, ApiKey apiKey, short version, ConnectionInfo connection,
        Func<T, short, int, ConnectionInfo, RequestOutcome> next) where T : IKafkaRequest
    {
        try
        {
            var (header, request) = RequestDispatcher.Decode(frame, apiKey, version);
            return next((T)request, version, header.CorrelationId, connection);
        }
        catch (KafkaProtocolException e)
        {
            return Reject(connection, $"a malformed {apiKey} v{version} request: {e.Message}");
        }
    }

    private RequestOutcome Handshake(SaslHandshakeRequest request, short version, int correlationId, ConnectionInfo connection)
    {
        var offered = connection.Listener.SaslMechanisms;
        var response = new SaslHandshakeResponse { Mechanisms = offered.Select(m => m.Name).ToList() };
        _mechanism = offered.FirstOrDefault(m => m.Name == request.Mechanism);
        if (_mechanism is null)
        {
            _state = State.Failed;
            _logger.LogInformation("Connection {Connection} from {Client} to broker {Broker} asked for SASL mechanism {Mechanism}, which listener {Listener} does not offer ({Offered}); closing it",
                connection.ConnectionId, connection.ClientHost, connection.Broker.Id, request.Mechanism, connection.Listener.Name, string.Join(", ", response.Mechanisms));
            response.ErrorCode = (short)ErrorCode.UnsupportedSaslMechanism;
            return new RequestOutcome(RequestDispatcher.Encode(response, version, correlationId), Close: true);
        }
        _server = _mechanism.CreateServer();
        _state = version == 0 ? State.RawTokens : State.Authenticate;
        return RequestOutcome.Respond(RequestDispatcher.Encode(response, version, correlationId));
    }

    private RequestOutcome Authenticate(SaslAuthenticateRequest request, short version, int correlationId, ConnectionInfo connection)
    {
        var step = Evaluate(request.AuthBytes, connection);
        var response = new SaslAuthenticateResponse { AuthBytes = step.Challenge };
        if (step.Kind == SaslStepKind.Fail)
        {
            response.ErrorCode = (short)ErrorCode.SaslAuthenticationFailed;
            response.ErrorMessage = step.Error;
        }
        return new RequestOutcome(RequestDispatcher.Encode(response, version, correlationId), Close: step.Kind == SaslStepKind.Fail);
    }

    /// <summary>A token of the v0 flow: a bare frame, answered with a bare frame; a failure just closes.</summary>
    private RequestOutcome RawToken(ReadOnlySpan<byte> token, ConnectionInfo connection)
    {
        var step = Evaluate(token, connection);
        if (step.Kind == SaslStepKind.Fail) return RequestOutcome.CloseConnection;
        var output = new PooledBufferWriter(4 + step.Challenge.Length);
        var writer = new KafkaWriter(output);
        writer.WriteInt32(step.Challenge.Length);
        writer.WriteRaw(step.Challenge);
        return RequestOutcome.Respond(output);
    }

    private SaslStep Evaluate(ReadOnlySpan<byte> token, ConnectionInfo connection)
    {
        var step = _server!.Evaluate(token);
        switch (step.Kind)
        {
            case SaslStepKind.Complete:
                _state = State.Authenticated;
                connection.Principal = step.Principal!;
                _logger.LogDebug("Connection {Connection} from {Client} to broker {Broker} authenticated as {Principal} with {Mechanism}",
                    connection.ConnectionId, connection.ClientHost, connection.Broker.Id, step.Principal, _mechanism!.Name);
                break;
            case SaslStepKind.Fail:
                _state = State.Failed;
                _logger.LogInformation("Connection {Connection} from {Client} to broker {Broker} failed SASL {Mechanism} authentication ({Reason}); closing it",
                    connection.ConnectionId, connection.ClientHost, connection.Broker.Id, _mechanism!.Name, step.Error);
                break;
        }
        return step;
    }

    private RequestOutcome Reject(ConnectionInfo connection, string what)
    {
        _state = State.Failed;
        _logger.LogWarning("Closing connection {Connection} from {Client} to SASL listener {Listener} of broker {Broker}: before authenticating it sent {What}",
            connection.ConnectionId, connection.ClientHost, connection.Listener.Name, connection.Broker.Id, what);
        return RequestOutcome.CloseConnection;
    }

    private static string Describe(ApiKey apiKey) => Enum.IsDefined(apiKey) ? apiKey.ToString() : $"API key {(short)apiKey}";
}
