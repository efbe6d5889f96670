using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// OffsetDelete v0: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, as in Kafka. Needs DELETE on the
/// group (else the response's error is GROUP_AUTHORIZATION_FAILED) and READ on each topic (else its partitions get
/// TOPIC_AUTHORIZATION_FAILED).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does. Deleted
/// offsets leave tombstones in the group's <c>__consumer_offsets</c> partition; the answer waits for the in-sync replicas.
/// </summary>
internal sealed class OffsetDeleteHandler : ApiHandler<OffsetDeleteRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.OffsetDelete;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 0;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken)
    {
        var requested = request.Topics
            .SelectMany(topic => topic.Partitions.Select(partition => new OffsetKey(topic.Name, partition.PartitionIndex)))
            .ToList();
        if (!context.Authorize(AclOperation.Delete, AclResourceType.Group, request.GroupId))
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        if (context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None)
            return new OffsetDeleteResponse { ErrorCode = (short)notCoordinator };
        var authorization = CommitAuthorization.Check(context, ErrorCode.None, request.Topics.Select(topic => topic.Name));
        var known = requested.Where(key => authorization.Allows(key.Topic) && context.Cluster.FindPartition(key.Topic, key.Partition) is not null).ToList();
        var result = context.Groups.DeleteOffsets(request.GroupId, known);
        // The tombstones count once the in-sync replicas hold them.
        if (result.Error == ErrorCode.None && await context.Groups.WaitReplicatedAsync(request.GroupId, cancellationToken).ConfigureAwait(false) is var replicated and not ErrorCode.None)
            return new OffsetDeleteResponse { ErrorCode = (short)replicated };
        var errorByPartition = new Dictionary<OffsetKey, ErrorCode>();
        foreach (var (key, error) in known.Zip(result.Partitions))
            errorByPartition[key] = error;

        var response = new OffsetDeleteResponse { ErrorCode = (short)result.Error };
        if (result.Error == ErrorCode.None)
        {
            response.Topics = requested
                .GroupBy(key => key.Topic)
                .Select(topic => new OffsetDeleteResponse.OffsetDeleteResponseTopic
                {
                    Name = topic.Key,
                    Partitions = topic.Select(key => new OffsetDeleteResponse.OffsetDeleteResponsePartition
                    {
                        PartitionIndex = key.Partition,
                        ErrorCode = (short)(errorByPartition.TryGetValue(key, out var error) ? error : authorization.HeldBack(key.Topic)),
                    }).ToList(),
                }).ToList();
        }
        return response;
    }
}
