using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>Who sent a request: the broker that received it, the client's address, and who the client proved to be.</summary>
/// <param name="broker">The receiving broker.</param>
/// <param name="listener">The listener the client connected to.</param>
/// <param name="clientHost">The client's IP address.</param>
/// <param name="connectionId">A number unique among the cluster's connections, for logs.</param>
internal sealed class ConnectionInfo(BrokerNode broker, ListenerDefinition listener, string clientHost, long connectionId)
{
    /// <summary>The receiving broker.</summary>
    public BrokerNode Broker { get; } = broker;

    /// <summary>The listener the client connected to.</summary>
    public ListenerDefinition Listener { get; } = listener;

    /// <summary>The client's IP address.</summary>
    public string ClientHost { get; } = clientHost;

    /// <summary>A number unique among the cluster's connections, for logs.</summary>
    public long ConnectionId { get; } = connectionId;

    /// <summary>
    /// The authenticated principal; <see cref="KafkaPrincipal.Anonymous"/> until the connection authenticates.
    /// Written only by the connection's own authentication step, read by each of its requests after that.
    /// </summary>
    public KafkaPrincipal Principal { get; set; } = KafkaPrincipal.Anonymous;
}

/// <summary>What to do after a request: send a response frame, send nothing, or close the connection.</summary>
/// <param name="Response">
/// The whole response frame, length prefix included, possibly referring to stored record batches in place
/// (<see cref="PooledBufferWriter.Segments"/>). Null for none.
/// </param>
/// <param name="Close">True when the connection must be closed (after writing <paramref name="Response"/>, if any).</param>
/// <param name="Holds">The log memory <paramref name="Response"/> refers to, held until it is sent.</param>
internal readonly record struct RequestOutcome(PooledBufferWriter? Response, bool Close, List<LogReadResult>? Holds = null)
{
    /// <summary>The response is sent, or will never be: returns its buffer and lets go of the log memory it referred to.</summary>
    public void Complete()
    {
        Response?.Dispose();
        if (Holds is null) return;
        foreach (var read in Holds) read.Release();
    }

    /// <summary>Send this response and keep reading.</summary>
    public static RequestOutcome Respond(PooledBufferWriter response) => new(response, false);

    /// <summary>Send nothing (Produce with acks=0) and keep reading.</summary>
    public static RequestOutcome NoResponse => new(null, false);

    /// <summary>Close the connection: the request made no sense and Kafka would drop the client too.</summary>
    public static RequestOutcome CloseConnection => new(null, true);
}

/// <summary>Turns one request frame (without its length prefix) into an outcome. Called for one request at a time per connection.</summary>
internal interface IRequestProcessor
{
    /// <summary>Handles <paramref name="frame"/>; the memory is valid only until the returned task completes.</summary>
    ValueTask<RequestOutcome> ProcessAsync(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellationToken);
}
