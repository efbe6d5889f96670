using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Replication;

/// <summary>
/// ListPartitionReassignments v0 (KIP-455): the partitions with a reassignment in progress, each with its replicas
/// (the target, then those being removed), adding and removing replicas. A null topic list asks for every
/// reassignment; named topics and partitions that do not exist or are not being reassigned are left out, as KRaft's
/// controller answers. Topics by name, partitions by index. Needs DESCRIBE on the cluster, else
/// CLUSTER_AUTHORIZATION_FAILED.
/// </summary>
internal sealed class ListPartitionReassignmentsHandler : ApiHandler<ListPartitionReassignmentsRequest>
{
    public override ApiKey ApiKey => ApiKey.ListPartitionReassignments;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ListPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        if (!context.AuthorizeCluster(AclOperation.Describe))
        {
            return ValueTask.FromResult<IKafkaResponse?>(new ListPartitionReassignmentsResponse
            {
                ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed,
                ErrorMessage = AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed),
            });
        }
        var cluster = context.Cluster;
        var partitions = request.Topics is null
            ? cluster.ReassigningPartitions()
            : request.Topics.SelectMany(t => t.PartitionIndexes.Select(i => cluster.FindPartition(t.Name, i)))
                .OfType<PartitionState>()
                .Where(p => p.Leadership.IsReassigning)
                .Distinct();
        var response = new ListPartitionReassignmentsResponse { ErrorMessage = null };
        foreach (var topic in partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            response.Topics.Add(new()
            {
                Name = topic.Key,
                Partitions = topic.OrderBy(p => p.Index).Select(Ongoing).ToList(),
            });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static ListPartitionReassignmentsResponse.OngoingPartitionReassignment Ongoing(PartitionState partition)
    {
        var leadership = partition.Leadership;
        return new()
        {
            PartitionIndex = partition.Index,
            Replicas = leadership.Replicas.ToList(),
            AddingReplicas = leadership.AddingReplicas.ToList(),
            RemovingReplicas = leadership.RemovingReplicas.ToList(),
        };
    }
}
