using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Replication;

/// <summary>
/// ElectLeaders v0-2 (KIP-183, KIP-460): PREFERRED (0, the only kind before v1) makes each partition's first replica
/// its leader; UNCLEAN (1) gives a partition without a leader one, the first live in-sync replica or else any live
/// replica, whatever unclean.leader.election.enable says. Per-partition errors as KRaft's controller gives them:
/// ELECTION_NOT_NEEDED (the preferred replica leads already / the partition has a leader), PREFERRED_LEADER_NOT_AVAILABLE
/// (the preferred replica is not running or not in the ISR), ELIGIBLE_LEADERS_NOT_AVAILABLE (no live replica for an
/// unclean election), UNKNOWN_TOPIC_OR_PARTITION. A null partition list asks for every partition and lists only
/// those where an election was needed. Another election type is INVALID_REQUEST. Needs ALTER on the cluster, else
/// the request (v1+) and every partition get CLUSTER_AUTHORIZATION_FAILED.
/// </summary>
internal sealed class ElectLeadersHandler : ApiHandler<ElectLeadersRequest>
{
    private const sbyte Preferred = 0;
    private const sbyte Unclean = 1;

    public override ApiKey ApiKey => ApiKey.ElectLeaders;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ElectLeadersRequest request, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var type = context.ApiVersion == 0 ? Preferred : request.ElectionType;
        ControllerResult? refusal =
            !context.AuthorizeCluster(AclOperation.Alter) ? ControllerResult.Fail(ErrorCode.ClusterAuthorizationFailed, AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed)!)
            : type is not (Preferred or Unclean) ? ControllerResult.Fail(ErrorCode.InvalidRequest, $"Unknown election type {type}.")
            : null;
        var response = new ElectLeadersResponse { ErrorCode = (short)(refusal?.Error ?? ErrorCode.None) };
        if (request.TopicPartitions is null)
        {
            if (refusal is not null) return ValueTask.FromResult<IKafkaResponse?>(response);
            foreach (var topic in cluster.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var results = topic.Partitions
                    .Select(p => (p.Index, Result: Elect(cluster, p, type)))
                    .Where(r => r.Result.Error != ErrorCode.ElectionNotNeeded)
                    .Select(r => Result(r.Index, r.Result))
                    .ToList();
                if (results.Count > 0) response.ReplicaElectionResults.Add(new() { Topic = topic.Name, PartitionResult = results });
            }
            return ValueTask.FromResult<IKafkaResponse?>(response);
        }
        foreach (var topic in request.TopicPartitions)
        {
            response.ReplicaElectionResults.Add(new()
            {
                Topic = topic.Topic,
                PartitionResult = topic.Partitions.Select(index => Result(index, refusal ?? Elect(cluster, topic.Topic, index, type))).ToList(),
            });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static ElectLeadersResponse.PartitionResult Result(int index, ControllerResult result) =>
        new() { PartitionId = index, ErrorCode = (short)result.Error, ErrorMessage = result.Message };

    private static ControllerResult Elect(ClusterController cluster, string topicName, int index, sbyte type)
    {
        if (!cluster.TryGetTopic(topicName, out var topic)) return ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"No such topic as {topicName}");
        var partition = topic.Partition(index);
        return partition is null ? ControllerResult.Fail(ErrorCode.UnknownTopicOrPartition, $"No such partition as {topicName}-{index}") : Elect(cluster, partition, type);
    }

    private static ControllerResult Elect(ClusterController cluster, PartitionState partition, sbyte type) =>
        type == Unclean ? cluster.ElectUncleanLeader(partition) : cluster.MoveLeader(partition, partition.Leadership.Replicas[0]);
}
