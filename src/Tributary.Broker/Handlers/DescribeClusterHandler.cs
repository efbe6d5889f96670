using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DescribeCluster: cluster id, controller and live brokers with their racks (admin clients' view of the cluster). Kafka authorizes
/// nothing here; asked for the cluster's authorized operations, it gives them to a principal that may DESCRIBE the
/// cluster and 0 to others.
/// </summary>
internal sealed class DescribeClusterHandler : ApiHandler<DescribeClusterRequest>
{
    private const sbyte BrokerEndpoints = 1;

    public override ApiKey ApiKey => ApiKey.DescribeCluster;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var response = new DescribeClusterResponse { ClusterId = cluster.ClusterId, EndpointType = request.EndpointType };
        if (request.EndpointType != BrokerEndpoints)
        {
            // A broker answers for brokers only; controllers are not exposed.
            response.ErrorCode = (short)ErrorCode.MismatchedEndpointType;
            response.ErrorMessage = "The request was sent to a broker endpoint, not a controller endpoint.";
        }
        else
        {
            response.ControllerId = cluster.ControllerId;
            if (request.IncludeClusterAuthorizedOperations)
            {
                response.ClusterAuthorizedOperations = context.AuthorizeCluster(AclOperation.Describe)
                    ? context.AuthorizedOperations(AclResourceType.Cluster, AclBinding.ClusterResourceName)
                    : 0;
            }
            response.Brokers = cluster.LiveBrokers
                .Select(b => new DescribeClusterResponse.DescribeClusterBroker { BrokerId = b.Id, Host = b.Host, Port = b.PortOn(context.Listener), Rack = b.Rack })
                .ToList();
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
