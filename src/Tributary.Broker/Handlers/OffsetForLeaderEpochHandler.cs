using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch: where a leader epoch ended, so a client can detect log truncation after a leader change.
/// Needs CLUSTER_ACTION on the cluster (what followers have) or DESCRIBE on each topic (else its partitions get
/// TOPIC_AUTHORIZATION_FAILED), as in Kafka since KIP-320.
/// </summary>
internal sealed class OffsetForLeaderEpochHandler : ApiHandler<OffsetForLeaderEpochRequest>
{
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse();
        var clusterAction = context.AuthorizeCluster(AclOperation.ClusterAction);
        foreach (var wanted in request.Topics)
        {
            var topic = PartitionLookup.Topic(context, wanted.Topic);
            var results = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = wanted.Topic };
            var authorized = clusterAction || context.Authorize(AclOperation.Describe, AclResourceType.Topic, wanted.Topic);
            foreach (var p in wanted.Partitions)
            {
                var result = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = p.Partition };
                PartitionState? partition = null;
                var error = authorized
                    ? PartitionLookup.FindLed(context, topic, p.Partition, p.CurrentLeaderEpoch, out partition)
                    : ErrorCode.TopicAuthorizationFailed;
                result.ErrorCode = (short)error;
                if (error == ErrorCode.None) (result.LeaderEpoch, result.EndOffset) = partition!.ReplicaLog(context.Broker.Id).EndOffsetForEpoch(p.LeaderEpoch);
                results.Partitions.Add(result);
            }
            response.Topics.Add(results);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
