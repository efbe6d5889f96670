using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Broker.Log;
using Tributary.Broker.Network;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Transactions;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Everything a handler may need about one request besides its body: the only way the broker's parts reach a
/// handler (handlers are stateless and take nothing by constructor).
/// </summary>
internal sealed class RequestContext
{
    private List<LogReadResult>? _reads;

    /// <summary>The broker that received the request.</summary>
    public required BrokerNode Broker { get; init; }

    /// <summary>Topics, partitions, leaders and live brokers.</summary>
    public required ClusterController Cluster { get; init; }

    /// <summary>The cluster's group coordinator.</summary>
    public required GroupCoordinator Groups { get; init; }

    /// <summary>The cluster's transaction coordinator (producer ids, transactions).</summary>
    public required TransactionCoordinator Transactions { get; init; }

    /// <summary>The cluster's users and their SCRAM credentials.</summary>
    public required UserCredentials Users { get; init; }

    /// <summary>Every API the broker serves (what ApiVersions advertises).</summary>
    public required HandlerRegistry Handlers { get; init; }

    /// <summary>Who is asking: <see cref="ConnectionInfo.Principal"/> of the connection when the request arrived.</summary>
    public KafkaPrincipal Principal { get; init; } = KafkaPrincipal.Anonymous;

    /// <summary>
    /// The listener the request came in on (its index in the cluster's listeners): brokers are named to the client by
    /// their addresses on it, as Kafka answers on the listener a client connected to.
    /// </summary>
    public int Listener { get; init; }

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

    /// <summary>The cluster's ACLs and rules; <see cref="Tributary.Broker.Security.Authorizer.Disabled"/> (allows everything) when authorization is off.</summary>
    public Authorizer Authorizer { get; init; } = Authorizer.Disabled;

    /// <summary>Whether <see cref="Principal"/>, from <see cref="ClientHost"/>, may do <paramref name="operation"/> on the resource.</summary>
    public bool Authorize(AclOperation operation, AclResourceType resourceType, string resourceName) =>
        Authorizer.Authorize(Principal, ClientHost, operation, resourceType, resourceName);

    /// <summary>
    /// NOT_COORDINATOR when this broker does not lead the <c>__consumer_offsets</c> partition of group
    /// <paramref name="groupId"/> (the client then finds the coordinator again with FindCoordinator),
    /// COORDINATOR_LOAD_IN_PROGRESS while it loads that partition, NONE when it coordinates the group.
    /// </summary>
    public ErrorCode GroupCoordinatorError(string groupId) => Cluster.Coordinators.Check(CoordinatorType.Group, groupId, Broker.Id);

    /// <summary>As <see cref="GroupCoordinatorError"/>, for transactional id <paramref name="transactionalId"/> and its <c>__transaction_state</c> partition.</summary>
    public ErrorCode TransactionCoordinatorError(string transactionalId) => Cluster.Coordinators.Check(CoordinatorType.Transaction, transactionalId, Broker.Id);

    /// <summary>Whether the principal may do <paramref name="operation"/> on the cluster resource.</summary>
    public bool AuthorizeCluster(AclOperation operation) => Authorize(operation, AclResourceType.Cluster, AclBinding.ClusterResourceName);

    /// <summary>Whether the principal may do <paramref name="operation"/> on at least one resource of the type (Kafka's authorizeByResourceType).</summary>
    public bool AuthorizeAny(AclOperation operation, AclResourceType resourceType) =>
        Authorizer.AuthorizeAny(Principal, ClientHost, operation, resourceType);

    /// <summary>Kafka's "authorized operations" bit field of the principal on the resource.</summary>
    public int AuthorizedOperations(AclResourceType resourceType, string resourceName) =>
        Authorizer.AuthorizedOperations(Principal, ClientHost, resourceType, resourceName);

    /// <summary>
    /// Keeps the log memory of <paramref name="read"/>'s records from being reused until the response carrying them is
    /// sent (the dispatcher takes the holds with <see cref="TakeReads"/> and hands them to the connection).
    /// </summary>
    public void HoldUntilWritten(in LogReadResult read)
    {
        if (read.Held is not null) (_reads ??= []).Add(read);
    }

    /// <summary>The reads held so far, for whoever sends the response to let go of (<see cref="LogReadResult.Release"/>).</summary>
    public List<LogReadResult>? TakeReads()
    {
        var reads = _reads;
        _reads = null;
        return reads;
    }
}
