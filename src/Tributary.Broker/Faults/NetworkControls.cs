using System.Collections.Concurrent;
using Tributary.Broker.Cluster;
using Tributary.Broker.Network;

namespace Tributary.Broker.Faults;

/// <summary>
/// The network between clients and each broker, under a test's control: latency, a bandwidth cap, dropped
/// connections, a black hole and a full network partition (isolation). Reach it through
/// <see cref="EmbeddedKafkaCluster.Network"/>. Every control acts on one broker and stays until changed or
/// <see cref="Heal"/>ed; the clients see exactly what a real network would do to them.
/// </summary>
/// <remarks>
/// Latency and bandwidth are wall-clock effects of the network, not of the broker: they run on the system clock
/// even when the cluster runs on a manual <see cref="EmbeddedKafkaOptions.TimeProvider"/>. Fencing an isolated broker
/// is the controller's decision and runs on the cluster's clock.
/// </remarks>
public sealed class NetworkControls
{
    private readonly ClusterController _controller;
    private readonly ConcurrentDictionary<int, BrokerLink> _links = new();

    internal NetworkControls(ClusterController controller) => _controller = controller;

    /// <summary>
    /// Adds <paramref name="latency"/> before every response of broker <paramref name="brokerId"/> (zero removes it).
    /// Clients see a slow broker: requests take longer, and once the latency passes a client's timeout
    /// (librdkafka's <c>socket.timeout.ms</c> / <c>request.timeout.ms</c>, Java's <c>request.timeout.ms</c>) the client
    /// gives the request up, closes the connection and retries, usually on a new connection.
    /// Responses on one connection keep their order, so a long poll delays what follows it on that connection.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id, or the latency is negative.</exception>
    public void SetLatency(int brokerId, TimeSpan latency)
    {
        if (latency < TimeSpan.Zero) throw new ArgumentException("The latency cannot be negative.", nameof(latency));
        Link(brokerId).Latency = latency;
    }

    /// <summary>
    /// Caps what broker <paramref name="brokerId"/> sends to each client connection at <paramref name="bytesPerSecond"/>
    /// (zero removes the cap). Clients see large fetch responses arrive slowly, as over a thin link; small answers
    /// are barely affected.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id, or the rate is negative.</exception>
    public void SetBandwidthLimit(int brokerId, long bytesPerSecond)
    {
        if (bytesPerSecond < 0) throw new ArgumentException("The bandwidth limit cannot be negative.", nameof(bytesPerSecond));
        Link(brokerId).BytesPerSecond = bytesPerSecond;
    }

    /// <summary>
    /// Resets every client connection of broker <paramref name="brokerId"/> now (a TCP RST), as a broken network
    /// path or a restarted load balancer does. The broker keeps running and accepts new connections at once.
    /// Clients see their in-flight requests fail with a transport error (librdkafka: "Connection reset by peer",
    /// then retries; Java: a <c>NetworkException</c>, retried), reconnect and carry on; idempotent producers keep
    /// their sequence, consumers re-fetch from their position.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void DropConnections(int brokerId) => Link(brokerId).ResetAll();

    /// <summary>
    /// Cuts broker <paramref name="brokerId"/> off from everybody, as a network partition does: every client
    /// connection is reset now, and new ones are reset as soon as they connect; its replicas stop fetching from
    /// their leaders and no follower can fetch from it. As in Kafka, followers elsewhere that cannot reach it
    /// leave its partitions' ISRs after replica.lag.time.max.ms; and after
    /// <see cref="EmbeddedKafkaOptions.BrokerSessionTimeout"/> (broker.session.timeout.ms) the controller, no longer
    /// hearing the broker, fences it: its leaderships move to in-sync replicas with a new leader epoch and metadata
    /// lists it no more. Clients see connection failures to that broker, then (after the fencing) new leaders in
    /// metadata, and move over. Isolating an isolated broker does nothing. <see cref="Heal"/> ends it.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void Isolate(int brokerId)
    {
        var link = Link(brokerId);
        _controller.Isolate(brokerId);
        link.Isolated = true;
        link.ResetAll();
    }

    /// <summary>
    /// Restores the network of broker <paramref name="brokerId"/>: ends an isolation (if the controller fenced the
    /// broker meanwhile, it registers again: its replicas truncate what diverges, catch up and rejoin the ISRs) and a
    /// black hole, and removes latency and the bandwidth cap. Clients can connect again at once.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void Heal(int brokerId)
    {
        var link = Link(brokerId);
        link.Isolated = false;
        link.BlackHoled = false;
        link.Latency = TimeSpan.Zero;
        link.BytesPerSecond = 0;
        _controller.Heal(brokerId);
    }

    /// <summary>
    /// Turns broker <paramref name="brokerId"/> into a black hole: it accepts connections and reads requests but
    /// never answers any of them, as a hung broker or a silently dropping firewall does (connections already open
    /// stay open). Clients see nothing but their own timeouts: librdkafka times a request out after
    /// <c>socket.timeout.ms</c> and then closes the connection; Java after <c>request.timeout.ms</c>.
    /// Replication is not affected. <see cref="Heal"/> ends it (requests swallowed meanwhile stay unanswered).
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void BlackHole(int brokerId) => Link(brokerId).BlackHoled = true;

    /// <summary>What the network of broker <paramref name="brokerId"/> does now.</summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public BrokerNetworkState GetState(int brokerId)
    {
        var link = Link(brokerId);
        return new BrokerNetworkState(brokerId, link.Latency, link.BytesPerSecond, link.Isolated, link.BlackHoled, _controller.Broker(brokerId)?.IsAlive == true, link.ConnectionCount);
    }

    /// <summary>The network state of every broker, by id.</summary>
    public IReadOnlyList<BrokerNetworkState> GetStates() => _controller.Brokers.Select(b => GetState(b.Id)).ToList();

    /// <summary>Heals every broker (<see cref="Heal"/>).</summary>
    public void HealAll()
    {
        foreach (var broker in _controller.Brokers) Heal(broker.Id);
    }

    /// <summary>The link of a broker (its listeners and connections consult it); created on first use.</summary>
    internal BrokerLink Link(int brokerId)
    {
        if (_controller.Broker(brokerId) is null) throw new ArgumentException($"No broker with id {brokerId}.", nameof(brokerId));
        return _links.GetOrAdd(brokerId, id => new BrokerLink(id));
    }

    /// <summary>Forgets a removed broker's link.</summary>
    internal void Forget(int brokerId) => _links.TryRemove(brokerId, out _);
}

/// <summary>What the network of one broker does (see <see cref="NetworkControls"/>).</summary>
/// <param name="BrokerId">The broker.</param>
/// <param name="Latency">Added before every response; zero for none.</param>
/// <param name="BytesPerSecond">The cap on what it sends per connection; zero for none.</param>
/// <param name="Isolated">Cut off from clients and the other brokers.</param>
/// <param name="BlackHoled">Accepting but never answering.</param>
/// <param name="IsAlive">Registered with the controller (false once stopped, or fenced after an isolation).</param>
/// <param name="Connections">Client connections open now.</param>
public sealed record BrokerNetworkState(int BrokerId, TimeSpan Latency, long BytesPerSecond, bool Isolated, bool BlackHoled, bool IsAlive, int Connections);
