namespace Tributary.Broker.Cluster;

/// <summary>One broker of the embedded cluster: its id, the address it advertises, and whether it is running.</summary>
public sealed class BrokerNode
{
    private volatile bool _isAlive;

    internal BrokerNode(int id, string host)
    {
        Id = id;
        Host = host;
    }

    /// <summary>The broker id (node id) that clients see in metadata.</summary>
    public int Id { get; }

    /// <summary>The IPv4 address the broker listens on and advertises.</summary>
    public string Host { get; }

    /// <summary>The TCP port the broker listens on; 0 until it has started once.</summary>
    public int Port { get; internal set; }

    /// <summary>True while the broker is running (not stopped).</summary>
    public bool IsAlive
    {
        get => _isAlive;
        internal set => _isAlive = value;
    }

    /// <summary>"host:port", as in a bootstrap list.</summary>
    public string Address => $"{Host}:{Port}";

    /// <inheritdoc />
    public override string ToString() => $"broker {Id} at {Address}{(IsAlive ? "" : " (stopped)")}";
}
