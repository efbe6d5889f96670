using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DescribeTopicPartitions (KIP-966, v0): topics with each partition's leader, leader epoch, replicas, ISR, offline
/// replicas, eligible leader replicas and last known ELR (both empty: the cluster runs without ELR, as Kafka does while
/// <c>eligible.leader.replicas.version</c> is 0), and the topic's authorized operations, always filled.
/// </summary>
/// <remarks>
/// As Kafka's broker answers it: an empty topic list asks for every topic (unknown and undescribable ones left
/// out); named topics come back sorted by name, duplicates once, an unknown one as UNKNOWN_TOPIC_OR_PARTITION (or
/// INVALID_TOPIC_EXCEPTION for an illegal name), one the principal may not DESCRIBE as TOPIC_AUTHORIZATION_FAILED
/// with a zero topic id, listed after the others. Paging: at most min(response_partition_limit,
/// max.request.partition.size.limit = 2000) partitions (at least 1); when more remain the next cursor names the
/// topic and partition to go on from. A cursor skips topics named before its topic, starts its topic at its
/// partition, must name a listed topic (when topics are listed) and a partition not below 0, else every listed topic
/// gets INVALID_REQUEST. A partition without a leader is LEADER_NOT_AVAILABLE with leader -1.
/// </remarks>
internal sealed class DescribeTopicPartitionsHandler : ApiHandler<DescribeTopicPartitionsRequest>
{
    /// <summary>Kafka's max.request.partition.size.limit: the most partitions one response holds.</summary>
    private const int MaxPartitionsPerResponse = 2000;

    public override ApiKey ApiKey => ApiKey.DescribeTopicPartitions;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeTopicPartitionsRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKafkaResponse?>(Describe(context, request));

    private static DescribeTopicPartitionsResponse Describe(RequestContext context, DescribeTopicPartitionsRequest request)
    {
        var all = request.Topics.Count == 0;
        var cursor = request.Cursor;
        var from = cursor?.TopicName ?? "";
        var names = (all ? context.Cluster.Topics.Select(t => t.Name) : request.Topics.Select(t => t.Name))
            .Where(name => string.CompareOrdinal(name, from) >= 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if ((cursor is not null && !all && !names.Contains(cursor.TopicName)) || cursor?.PartitionIndex < 0)
            return Invalid(request);

        var response = new DescribeTopicPartitionsResponse();
        var denied = new List<DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic>();
        var remaining = Math.Max(Math.Min(request.ResponsePartitionLimit, MaxPartitionsPerResponse), 1);
        foreach (var name in names)
        {
            if (!context.Authorize(AclOperation.Describe, AclResourceType.Topic, name))
            {
                // Kafka does not say whether a topic the principal may not describe exists.
                if (!all) denied.Add(new() { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Name = name, TopicId = Guid.Empty });
                continue;
            }
            if (remaining == 0)
            {
                // Every partition of the topics before fits: go on from the start of this one.
                response.NextCursor = new() { TopicName = name, PartitionIndex = 0 };
                break;
            }
            if (!context.Cluster.TryGetTopic(name, out var topic))
            {
                if (!all) response.Topics.Add(Missing(name));
                continue;
            }
            var partitions = topic.Partitions;
            var start = name == cursor?.TopicName ? cursor.PartitionIndex : 0;
            var end = Math.Min(partitions.Count, start + remaining);
            response.Topics.Add(new()
            {
                Name = name,
                TopicId = topic.Id,
                IsInternal = topic.IsInternal,
                Partitions = Enumerable.Range(start, Math.Max(end - start, 0)).Select(i => Partition(partitions[i])).ToList(),
                TopicAuthorizedOperations = context.AuthorizedOperations(AclResourceType.Topic, name),
            });
            if (end < partitions.Count)
            {
                response.NextCursor = new() { TopicName = name, PartitionIndex = end };
                break;
            }
            remaining -= Math.Max(end - start, 0);
        }
        response.Topics.AddRange(denied);
        return response;
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition Partition(PartitionState partition)
    {
        var leadership = partition.Leadership;
        return new()
        {
            ErrorCode = (short)(leadership.Leader < 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.None),
            PartitionIndex = partition.Index,
            LeaderId = leadership.Leader,
            LeaderEpoch = leadership.LeaderEpoch,
            ReplicaNodes = leadership.Replicas.ToList(),
            IsrNodes = leadership.Isr.ToList(),
            OfflineReplicas = leadership.OfflineReplicas.ToList(),
            EligibleLeaderReplicas = [],
            LastKnownElr = [],
        };
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic Missing(string name) => new()
    {
        ErrorCode = (short)(ClusterController.ValidateTopicName(name) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException),
        Name = name,
        IsInternal = TopicState.IsInternalName(name),
    };

    /// <summary>Kafka fails the whole request on a bad cursor: every listed topic gets INVALID_REQUEST.</summary>
    private static DescribeTopicPartitionsResponse Invalid(DescribeTopicPartitionsRequest request) => new()
    {
        Topics = request.Topics.Select(t => new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
        {
            ErrorCode = (short)ErrorCode.InvalidRequest,
            Name = t.Name,
        }).ToList(),
    };
}
