using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Replication;

/// <summary>
/// AlterPartitionReassignments v0 (KIP-455): moves a partition's replicas to the ones named, or with null replicas
/// cancels the reassignment in progress. The answer comes once the reassignment is recorded, not when the data has
/// moved: new replicas copy from the leader while clients keep producing and consuming, and the replicas being
/// removed go (with a leader hand-over when the leader is one of them) once every target replica is in the ISR;
/// ListPartitionReassignments shows the progress. Per-partition errors as KRaft's controller gives them:
/// UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT (empty list, a broker twice, an unknown broker, or a
/// cancellation that needs an unclean election the topic does not allow), NO_REASSIGNMENT_IN_PROGRESS (cancelling
/// none). Needs ALTER on the cluster, else the request and every partition get CLUSTER_AUTHORIZATION_FAILED.
/// </summary>
internal sealed class AlterPartitionReassignmentsHandler : ApiHandler<AlterPartitionReassignmentsRequest>
{
    public override ApiKey ApiKey => ApiKey.AlterPartitionReassignments;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AlterPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        var denied = !context.AuthorizeCluster(AclOperation.Alter);
        var deniedMessage = AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed);
        var response = new AlterPartitionReassignmentsResponse
        {
            ErrorCode = (short)(denied ? ErrorCode.ClusterAuthorizationFailed : ErrorCode.None),
            ErrorMessage = denied ? deniedMessage : null,
        };
        foreach (var topic in request.Topics)
        {
            var topicResponse = new AlterPartitionReassignmentsResponse.ReassignableTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                var result = denied
                    ? ControllerResult.Fail(ErrorCode.ClusterAuthorizationFailed, deniedMessage!)
                    : Reassign(context.Cluster, topic.Name, partition.PartitionIndex, partition.Replicas);
                topicResponse.Partitions.Add(new()
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)result.Error,
                    ErrorMessage = result.Message,
                });
            }
            response.Responses.Add(topicResponse);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static ControllerResult Reassign(ClusterController cluster, string topicName, int index, List<int>? replicas)
    {
        if (!cluster.TryGetTopic(topicName, out var topic))
            return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Unable to find a topic named {topicName}.");
        var partition = topic.Partition(index);
        return partition is null
            ? ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"Unable to find partition {topicName}:{index}.")
            : cluster.Reassign(partition, replicas);
    }
}
