using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;

namespace Tributary.Broker.Handlers;

/// <summary>Everything a handler may need about one request besides its body.</summary>
internal sealed class RequestContext
{
    /// <summary>The broker that received the request.</summary>
    public required BrokerNode Broker { get; init; }

    /// <summary>Topics, partitions, leaders and live brokers.</summary>
    public required ClusterController Cluster { get; init; }

    /// <summary>The cluster's group coordinator.</summary>
    public required GroupCoordinator Groups { get; init; }

    /// <summary>The version of the request.</summary>
    public required short ApiVersion { get; init; }

    /// <summary>The correlation id of the request.</summary>
    public required int CorrelationId { get; init; }

    /// <summary>The client id from the request header.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client's IP address.</summary>
    public required string ClientHost { get; init; }

    /// <summary>The cluster's clock.</summary>
    public required TimeProvider Time { get; init; }
}
