using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Broker.Groups;
using Tributary.Broker.Metrics;
using Tributary.Broker.Network;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Decodes a request frame (header, then body), hands it to the handler of its API, and encodes the response
/// frame. An unknown API key, an unsupported version (except ApiVersions, which gets Kafka's v0 fallback
/// answer) or malformed bytes close the connection after one log line. At Debug level every request is traced in one
/// line (broker, connection, client, API, version, correlation id, time taken).
/// </summary>
internal sealed class RequestDispatcher : IRequestProcessor
{
    private const int MinimumHeaderSize = 8; // api key, api version, correlation id
    private const int FrameHeaderAllowance = 256; // length, correlation id, tagged fields, and then some

    private readonly HandlerRegistry _handlers;
    private readonly ClusterController _cluster;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly UserCredentials _users;
    private readonly TimeProvider _time;
    private readonly RequestControls _requests;
    private readonly Func<Guid, string?> _topicName;
    private readonly Authorizer _authorizer;
    private readonly ILogger _logger;

    public RequestDispatcher(HandlerRegistry handlers, ClusterController cluster, GroupCoordinator groups, TransactionCoordinator transactions,
        UserCredentials users, TimeProvider time, RequestControls requests, Authorizer authorizer, ILogger logger)
    {
        _handlers = handlers;
        _cluster = cluster;
        _groups = groups;
        _transactions = transactions;
        _users = users;
        _time = time;
        _requests = requests;
        _topicName = id => cluster.TryGetTopic(id, out var topic) ? topic.Name : null;
        _authorizer = authorizer;
        _logger = logger;
    }

    /// <inheritdoc />
    public async ValueTask<RequestOutcome> ProcessAsync(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        if (frame.Length < MinimumHeaderSize) return Reject(connection, $"a {frame.Length}-byte frame, too short for a request header");
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.Span[2..]);
        var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame.Span[4..]);

        if (!_handlers.TryGet(apiKey, out var handler)) return Reject(connection, $"unknown API key {apiKey}");
        if (version < handler.MinVersion || version > handler.MaxVersion)
        {
            if (handler.ApiKey == ApiKey.ApiVersions) return RequestOutcome.Respond(UnsupportedApiVersions(correlationId));
            return Reject(connection, $"{handler.ApiKey} version {version} (supported {handler.MinVersion} to {handler.MaxVersion})");
        }

        RequestHeader header;
        IKafkaRequest request;
        try
        {
            (header, request) = Decode(frame, handler.ApiKey, version);
        }
        catch (KafkaProtocolException e)
        {
            return Reject(connection, $"a malformed {handler.ApiKey} v{version} request: {e.Message}");
        }

        var context = new RequestContext
        {
            Broker = connection.Broker,
            Cluster = _cluster,
            Groups = _groups,
            Transactions = _transactions,
            Users = _users,
            Handlers = _handlers,
            Principal = connection.Principal,
            Listener = connection.Listener.Index,
            ApiVersion = version,
            CorrelationId = correlationId,
            ClientId = header.ClientId,
            ClientHost = connection.ClientHost,
            Time = _time,
            Authorizer = _authorizer,
        };
        var started = Stopwatch.GetTimestamp();
        var receivedAt = _requests.IsRecording ? _time.GetUtcNow() : default;
        var rule = _requests.Evaluate(connection.Broker.Id, header.ClientId, handler.ApiKey, request, _topicName);
        IKafkaResponse? response = null;
        if (rule?.Action.Kind != RequestRuleActionKind.DropConnection)
        {
            if (rule?.Action.Kind == RequestRuleActionKind.Hold) await rule.HoldAsync(cancellationToken).ConfigureAwait(false);
            else if (rule?.Action.Kind == RequestRuleActionKind.Delay) await Task.Delay(rule.Action.Delay, _time, cancellationToken).ConfigureAwait(false);
            response = await handler.HandleAsync(context, request, cancellationToken).ConfigureAwait(false);
            if (rule?.Action.Kind == RequestRuleActionKind.Error && response is not null) RequestControls.StampErrorCodes(response, (short)rule.Action.Error);
            var delay = _requests.ResponseDelay;
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        var recorded = _requests.IsRecording;
        if (recorded)
            _requests.Record(new RecordedRequest(connection.Broker.Id, connection.ConnectionId, header.ClientId, handler.ApiKey, version, correlationId,
                request, response, receivedAt, Stopwatch.GetElapsedTime(started), rule?.Id));
        BrokerMetrics.RequestHandled(_cluster, connection.Broker.Id, handler.ApiKey, started);
        if (_logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("Broker {Broker} connection {Connection} ({ClientId} at {Client}): {Api} v{Version} #{CorrelationId} handled in {Elapsed:0.0} ms{NoResponse}{Rule}",
                connection.Broker.Id, connection.ConnectionId, header.ClientId, connection.ClientHost, handler.ApiKey, version, correlationId,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, response is null ? ", no response" : "", rule is null ? "" : $" ({rule})");
        if (rule?.Action.Kind == RequestRuleActionKind.DropConnection) return RequestOutcome.CloseConnection;
        var referenceThreshold = connection.Listener.Tls is null ? ReferencedRecordsMinimum : 0;
        var encoded = response is null ? null : Encode(response, version, correlationId, handler.ResponseSizeHint(response, referenceThreshold), referenceThreshold);
        // The records a fetch read stay held until the connection has sent the frame referring to them (it completes every
        // outcome). A recorded response keeps referring to them too: their memory then stays held, and the collector takes
        // it once the recording is gone.
        return new RequestOutcome(encoded, Close: false, recorded ? null : context.TakeReads());
    }

    /// <summary>
    /// Record sets of at least this many bytes go to the socket from the log's memory, referenced by the response frame
    /// rather than copied into it (<see cref="PooledBufferWriter.WriteOrReference"/>): a consumer reading from the start
    /// gets up to a megabyte per partition, which was copied once more into a response buffer of several megabytes. Smaller
    /// ones, such as a consumer's at the log's end, are cheaper to copy than to send as separate pieces. On a TLS listener
    /// everything is copied: each piece written to the TLS stream becomes records of its own.
    /// </summary>
    public const int ReferencedRecordsMinimum = 64 * 1024;


    /// <summary>Decodes a request frame's header and body.</summary>
    /// <exception cref="KafkaProtocolException">The bytes are malformed.</exception>
    public static (RequestHeader Header, IKafkaRequest Request) Decode(ReadOnlyMemory<byte> frame, ApiKey apiKey, short version)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader, ApiKeys.RequestHeaderVersion(apiKey, version));
        var request = ApiKeys.Get(apiKey).ReadRequest(ref reader, version);
        return (header, request);
    }

    private RequestOutcome Reject(ConnectionInfo connection, string what)
    {
        _logger.LogWarning("Closing connection {Connection} from {Client} to broker {Broker}: it sent {What}",
            connection.ConnectionId, connection.ClientHost, connection.Broker.Id, what);
        return RequestOutcome.CloseConnection;
    }

    /// <summary>
    /// Writes a whole response frame: length, response header, body (into a buffer of at least <paramref name="sizeHint"/>
    /// bytes plus the header), referring to record sets of at least <paramref name="referenceThreshold"/> bytes in place
    /// (0: copying every one).
    /// </summary>
    public static PooledBufferWriter Encode(IKafkaResponse response, short version, int correlationId, int sizeHint = 0, int referenceThreshold = 0)
    {
        var output = new PooledBufferWriter(FrameHeaderAllowance + sizeHint, LargeBuffers.ForResponse(sizeHint)) { ReferenceThreshold = referenceThreshold };
        var writer = new KafkaWriter(output);
        writer.WriteInt32(0); // length, patched below
        writer.WriteInt32(correlationId);
        if (ApiKeys.ResponseHeaderVersion(response.ApiKey, version) >= 1) writer.WriteUnsignedVarInt(0); // no tagged fields
        response.Write(writer, version);
        BinaryPrimitives.WriteInt32BigEndian(output.WrittenSpanMutable, output.Length - 4);
        return output;
    }

    /// <summary>
    /// The answer to an ApiVersions request of a version this broker does not know: UNSUPPORTED_VERSION in a
    /// v0 body that still lists every range, so the client can retry with a version both sides support.
    /// </summary>
    private PooledBufferWriter UnsupportedApiVersions(int correlationId) =>
        Encode(ApiVersionsHandler.Describe(_handlers, ErrorCode.UnsupportedVersion), 0, correlationId);
}
