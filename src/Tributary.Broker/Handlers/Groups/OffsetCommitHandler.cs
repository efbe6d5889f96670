using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// OffsetCommit v0-9: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, the rest go to the
/// coordinator (v0 commits, without generation or member, are outside group management). In a consumer group
/// (KIP-848) the generation is the member epoch: members of the new protocol must commit with v9+ at their current
/// epoch (STALE_MEMBER_EPOCH otherwise). Needs READ on the group
/// (else every partition gets GROUP_AUTHORIZATION_FAILED) and on each topic (else TOPIC_AUTHORIZATION_FAILED).
/// A broker that does not lead the group's <c>__consumer_offsets</c> partition answers NOT_COORDINATOR (after
/// authorization), the leader COORDINATOR_LOAD_IN_PROGRESS while it loads the partition, as Kafka does. The offsets
/// are written to that partition as OffsetCommitKey/OffsetCommitValue records (v1/v3) and answered once the in-sync
/// replicas have them (NOT_COORDINATOR if leadership moves first, COORDINATOR_NOT_AVAILABLE after 5 s).
/// </summary>
internal sealed class OffsetCommitHandler : ApiHandler<OffsetCommitRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 9;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var groupError = context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId) ? context.GroupCoordinatorError(request.GroupId) : ErrorCode.GroupAuthorizationFailed;
        var authorization = CommitAuthorization.Check(context, groupError, request.Topics.Select(topic => topic.Name));
        var known = new List<PartitionOffsetCommit>();
        foreach (var topic in request.Topics)
        {
            if (!authorization.Allows(topic.Name)) continue;
            foreach (var partition in topic.Partitions)
            {
                if (context.Cluster.FindPartition(topic.Name, partition.PartitionIndex) is null)
                    continue;
                known.Add(new PartitionOffsetCommit(
                    new OffsetKey(topic.Name, partition.PartitionIndex),
                    partition.CommittedOffset,
                    partition.CommittedLeaderEpoch,
                    partition.CommittedMetadata,
                    partition.CommitTimestamp >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(partition.CommitTimestamp) : null));
            }
        }
        var errors = groupError != ErrorCode.None ? (IReadOnlyList<ErrorCode>)[] : context.Groups.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = request.GroupId,
            GenerationId = request.GenerationIdOrMemberEpoch,
            MemberId = request.MemberId,
            GroupInstanceId = request.GroupInstanceId,
            Offsets = known,
            ApiVersion = context.ApiVersion,
            RetentionTime = request.RetentionTimeMs >= 0 ? TimeSpan.FromMilliseconds(request.RetentionTimeMs) : null,
        });
        errors = await OffsetCommitResults.ReplicatedAsync(context, request.GroupId, errors, cancellationToken).ConfigureAwait(false);
        var topics = OffsetCommitResults.PerRequestedPartition(
            request.Topics.Select(topic => (topic.Name, topic.Partitions.Select(partition => partition.PartitionIndex))), known, errors, authorization.HeldBack,
            (name, partitions) => new OffsetCommitResponse.OffsetCommitResponseTopic { Name = name, Partitions = partitions },
            (index, error) => new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = index, ErrorCode = (short)error });
        return new OffsetCommitResponse { Topics = topics };
    }
}
