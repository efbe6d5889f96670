namespace Tributary.Broker.Cluster;

/// <summary>One broker of the embedded cluster: its id, the addresses it advertises, and whether it is running.</summary>
public sealed class BrokerNode
{
    private static readonly IReadOnlyList<ListenerOptions> PlaintextOnly = [new ListenerOptions(KafkaSecurityProtocol.Plaintext)];

    private readonly IReadOnlyList<ListenerOptions> _listeners;
    private readonly int[] _ports;
    private volatile bool _isAlive;

    internal BrokerNode(int id, string host, IReadOnlyList<ListenerOptions>? listeners = null, string? rack = null)
    {
        Id = id;
        Host = host;
        Rack = rack;
        _listeners = listeners ?? PlaintextOnly;
        _ports = new int[_listeners.Count];
    }

    /// <summary>The broker id (node id) that clients see in metadata.</summary>
    public int Id { get; }

    /// <summary>The IPv4 address the broker listens on and advertises.</summary>
    public string Host { get; }

    /// <summary>The broker's rack (Kafka's <c>broker.rack</c>), or null when none was configured; clients see it in metadata.</summary>
    public string? Rack { get; }

    /// <summary>The TCP port of the broker's first listener; 0 until it has started once.</summary>
    public int Port => _ports[0];

    /// <summary>The broker's address on each listener, in the order of <see cref="EmbeddedKafkaOptions.Listeners"/>.</summary>
    public IReadOnlyList<BrokerEndpoint> Endpoints =>
        _listeners.Select((l, i) => new BrokerEndpoint(l.EffectiveName, l.SecurityProtocol, Host, _ports[i])).ToList();

    /// <summary>True while the broker is running (not stopped).</summary>
    public bool IsAlive
    {
        get => _isAlive;
        internal set => _isAlive = value;
    }

    /// <summary>"host:port" of the first listener, as in a bootstrap list.</summary>
    public string Address => $"{Host}:{Port}";

    /// <summary>The port on the listener at <paramref name="listener"/> (its index in the cluster's listeners).</summary>
    internal int PortOn(int listener) => _ports[listener];

    /// <summary>Records the port bound on the listener at <paramref name="listener"/>.</summary>
    internal void SetPort(int listener, int port) => _ports[listener] = port;

    /// <inheritdoc />
    public override string ToString() => $"broker {Id} at {Address}{(IsAlive ? "" : " (stopped)")}";
}

/// <summary>Where a broker listens on one listener.</summary>
/// <param name="ListenerName">The listener's name, e.g. <c>SASL_SSL</c>.</param>
/// <param name="SecurityProtocol">How clients connect to it.</param>
/// <param name="Host">The IPv4 address.</param>
/// <param name="Port">The TCP port; 0 until the broker has started once.</param>
public sealed record BrokerEndpoint(string ListenerName, KafkaSecurityProtocol SecurityProtocol, string Host, int Port)
{
    /// <summary>"host:port", as in a bootstrap list.</summary>
    public string Address => $"{Host}:{Port}";
}
