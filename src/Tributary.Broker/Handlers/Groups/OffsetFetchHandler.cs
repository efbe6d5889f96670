using Tributary.Broker.Groups;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// OffsetFetch v0-9: one group before v8, several from v8; a null topic list (v2+) asks for every
/// committed partition; require_stable (v7+) is honoured by the coordinator. v9 (KIP-848) names the member and
/// its epoch: a consumer group answers UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH at group level for a member that
/// is gone or behind.
/// </summary>
internal sealed class OffsetFetchHandler : ApiHandler<OffsetFetchRequest>
{
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
                .Select(group => context.Groups.CheckOffsetFetchMember(group.GroupId, group.MemberId, group.MemberEpoch) is var error && error != ErrorCode.None
                    ? new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)error }
                    : AnswerGroup(context, group.GroupId, group.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable))
                .ToList();
        }
        else
        {
            // Before v8 the one group is answered as v8 would answer it, then laid out at the top level.
            var group = AnswerGroup(context, request.GroupId, request.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable);
            response.Topics = InPreV8Layout(group);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static OffsetFetchResponse.OffsetFetchResponseGroup AnswerGroup(RequestContext context, string groupId, IEnumerable<(string Topic, List<int> Partitions)>? topics, bool requireStable)
    {
        var partitions = topics?.SelectMany(t => t.Partitions.Select(p => new OffsetKey(t.Topic, p))).ToList();
        return new OffsetFetchResponse.OffsetFetchResponseGroup
        {
            GroupId = groupId,
            Topics = context.Groups.FetchOffsets(groupId, partitions, requireStable)
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
                }).ToList(),
        };
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
