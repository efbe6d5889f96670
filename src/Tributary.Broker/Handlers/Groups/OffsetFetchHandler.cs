using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// OffsetFetch v0-9: one group before v8, several from v8; a null topic list (v2+) asks for every
/// committed partition; require_stable (v7+) is honoured by the coordinator. v9 (KIP-848) names the member and
/// its epoch: a consumer group answers UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH at group level for a member that
/// is gone or behind. Authorization as Kafka: DESCRIBE on the
/// group (else GROUP_AUTHORIZATION_FAILED: the group's error from v8, the response's from v2, each requested
/// partition's before), and DESCRIBE on each topic: a named partition of a topic the principal may not describe is
/// TOPIC_AUTHORIZATION_FAILED, and such topics are left out of an answer for every partition.
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class OffsetFetchHandler : ApiHandler<OffsetFetchRequest>
{
    /// <summary>The first version with a response-level error; before it each partition carries the error.</summary>
    private const short TopLevelErrorVersion = 2;

    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 9;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetFetchResponse();
        if (context.ApiVersion >= 8)
        {
            response.Groups = request.Groups
                .Select(group => context.GroupCoordinatorError(group.GroupId) != ErrorCode.None
                    ? AnswerGroup(context, group.GroupId, null, request.RequireStable)
                    : context.Groups.CheckOffsetFetchMember(group.GroupId, group.MemberId, group.MemberEpoch) is var error && error != ErrorCode.None
                    ? new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)error }
                    : AnswerGroup(context, group.GroupId, group.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable))
                .ToList();
        }
        else
        {
            // Before v8 the one group is answered as v8 would answer it, then laid out at the top level.
            var group = AnswerGroup(context, request.GroupId, request.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable);
            response.ErrorCode = group.ErrorCode;
            response.Topics = group.ErrorCode != 0 && context.ApiVersion < TopLevelErrorVersion
                ? (request.Topics ?? []).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
                {
                    Name = t.Name,
                    Partitions = t.PartitionIndexes.Select(index => new OffsetFetchResponse.OffsetFetchResponsePartition
                    {
                        PartitionIndex = index, CommittedOffset = -1, ErrorCode = group.ErrorCode,
                    }).ToList(),
                }).ToList()
                : InPreV8Layout(group);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static OffsetFetchResponse.OffsetFetchResponseGroup AnswerGroup(RequestContext context, string groupId, IEnumerable<(string Topic, List<int> Partitions)>? topics, bool requireStable)
    {
        if (!context.Authorize(AclOperation.Describe, AclResourceType.Group, groupId))
            return new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        if (context.GroupCoordinatorError(groupId) is var notCoordinator and not ErrorCode.None)
            return new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId, ErrorCode = (short)notCoordinator };
        bool MayDescribe(string topic) => context.Authorize(AclOperation.Describe, AclResourceType.Topic, topic);
        var requested = topics?.ToList();
        var partitions = requested?.Where(t => MayDescribe(t.Topic)).SelectMany(t => t.Partitions.Select(p => new OffsetKey(t.Topic, p))).ToList();
        var answered = context.Groups.FetchOffsets(groupId, partitions, requireStable)
            .Where(offset => requested is not null || MayDescribe(offset.Key.Topic))
            .GroupBy(offset => offset.Key.Topic)
            .Select(topic => new OffsetFetchResponse.OffsetFetchResponseTopics
            {
                Name = topic.Key,
                Partitions = topic.Select(offset => new OffsetFetchResponse.OffsetFetchResponsePartitions
                {
                    PartitionIndex = offset.Key.Partition,
                    CommittedOffset = offset.Offset,
                    CommittedLeaderEpoch = offset.LeaderEpoch,
                    Metadata = offset.Metadata,
                    ErrorCode = (short)offset.Error,
                }).ToList(),
            });
        var denied = (requested ?? []).Where(t => !MayDescribe(t.Topic)).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopics
        {
            Name = t.Topic,
            Partitions = t.Partitions.Select(index => new OffsetFetchResponse.OffsetFetchResponsePartitions
            {
                PartitionIndex = index, CommittedOffset = -1, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed,
            }).ToList(),
        });
        return new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId, Topics = answered.Concat(denied).ToList() };
    }

    private static List<OffsetFetchResponse.OffsetFetchResponseTopic> InPreV8Layout(OffsetFetchResponse.OffsetFetchResponseGroup group) =>
        group.Topics
            .Select(topic => new OffsetFetchResponse.OffsetFetchResponseTopic { Name = topic.Name, Partitions = topic.Partitions.Select(InPreV8Layout).ToList() })
            .ToList();

    private static OffsetFetchResponse.OffsetFetchResponsePartition InPreV8Layout(OffsetFetchResponse.OffsetFetchResponsePartitions partition) => new()
    {
        PartitionIndex = partition.PartitionIndex,
        CommittedOffset = partition.CommittedOffset,
        CommittedLeaderEpoch = partition.CommittedLeaderEpoch,
        Metadata = partition.Metadata,
        ErrorCode = partition.ErrorCode,
    };
}
