using Tributary.Broker.Groups;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// OffsetFetch v0-9: one group before v8, several from v8; a null topic list (v2+) asks for every
/// committed partition; require_stable (v7+) is honoured by the coordinator.
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
            response.Groups = request.Groups.Select(group => new OffsetFetchResponse.OffsetFetchResponseGroup
            {
                GroupId = group.GroupId,
                Topics = Fetch(context, group.GroupId, group.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable)
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
            }).ToList();
        }
        else
        {
            response.Topics = Fetch(context, request.GroupId, request.Topics?.Select(t => (t.Name, t.PartitionIndexes)), request.RequireStable)
                .GroupBy(offset => offset.Key.Topic)
                .Select(topic => new OffsetFetchResponse.OffsetFetchResponseTopic
                {
                    Name = topic.Key,
                    Partitions = topic.Select(offset => new OffsetFetchResponse.OffsetFetchResponsePartition
                    {
                        PartitionIndex = offset.Key.Partition,
                        CommittedOffset = offset.Offset,
                        CommittedLeaderEpoch = offset.LeaderEpoch,
                        Metadata = offset.Metadata,
                        ErrorCode = (short)offset.Error,
                    }).ToList(),
                }).ToList();
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static IReadOnlyList<FetchedOffset> Fetch(RequestContext context, string groupId, IEnumerable<(string Topic, List<int> Partitions)>? topics, bool requireStable)
    {
        var partitions = topics?.SelectMany(t => t.Partitions.Select(p => new OffsetKey(t.Topic, p))).ToList();
        return context.Groups.FetchOffsets(groupId, partitions, requireStable);
    }
}
