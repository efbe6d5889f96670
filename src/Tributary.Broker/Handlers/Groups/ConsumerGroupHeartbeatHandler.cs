using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// ConsumerGroupHeartbeat v0-1 (KIP-848, the consumer group protocol): join with epoch 0, heartbeat at the member
/// epoch, leave with -1 (or -2 for a static member that will come back). Fields left null did not change since the
/// last heartbeat. v1 (Kafka 4.0) adds the regular-expression subscription and makes the client generate its member
/// id (KIP-1082): an empty id is INVALID_REQUEST; v0 clients get an id from the coordinator when they join.
/// The assignment is returned when it changed and on full requests; partitions are named by topic id.
/// Needs READ on the group (else GROUP_AUTHORIZATION_FAILED) and DESCRIBE on every subscribed topic name (else
/// TOPIC_AUTHORIZATION_FAILED naming the topics, as Kafka's KafkaApis checks before the coordinator sees the
/// request); a broker that does not coordinate the group then answers NOT_COORDINATOR, as Kafka does.
/// </summary>
internal sealed class ConsumerGroupHeartbeatHandler : ApiHandler<ConsumerGroupHeartbeatRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.ConsumerGroupHeartbeat;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 1;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ConsumerGroupHeartbeatRequest request, CancellationToken cancellationToken)
    {
        var result = !context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId)
            ? ConsumerGroupHeartbeatResult.Failure(ErrorCode.GroupAuthorizationFailed)
            : UnauthorizedTopics(context, request.SubscribedTopicNames) is [_, ..] unauthorized
            ? ConsumerGroupHeartbeatResult.Failure(ErrorCode.TopicAuthorizationFailed,
                $"The member may not describe the subscribed topics {string.Join(", ", unauthorized)}.")
            : context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None
            ? ConsumerGroupHeartbeatResult.Failure(notCoordinator)
            : context.Groups.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand
        {
            GroupId = request.GroupId,
            MemberId = request.MemberId,
            MemberEpoch = request.MemberEpoch,
            InstanceId = request.InstanceId,
            RackId = request.RackId,
            RebalanceTimeout = request.RebalanceTimeoutMs >= 0 ? TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs) : null,
            SubscribedTopicNames = request.SubscribedTopicNames,
            SubscribedTopicRegex = request.SubscribedTopicRegex,
            ServerAssignor = request.ServerAssignor,
            OwnedPartitions = request.TopicPartitions?
                .SelectMany(topic => topic.Partitions.Select(partition => new TopicIdPartition(topic.TopicId, partition)))
                .ToHashSet(),
            ClientId = context.ClientId ?? "",
            ClientHost = ClientAddress.AsKafkaShowsIt(context.ClientHost),
            ClientGeneratesMemberId = context.ApiVersion >= 1,
        });
        var response = new ConsumerGroupHeartbeatResponse
        {
            ErrorCode = (short)result.Error,
            ErrorMessage = result.ErrorMessage,
            MemberId = result.MemberId,
            MemberEpoch = result.MemberEpoch,
            HeartbeatIntervalMs = (int)result.HeartbeatInterval.TotalMilliseconds,
            Assignment = result.Assignment is { } assignment
                ? new ConsumerGroupHeartbeatResponse.AssignmentData
                {
                    TopicPartitions = Assignments.ByTopic(assignment)
                        .Select(topic => new ConsumerGroupHeartbeatResponse.TopicPartitions { TopicId = topic.TopicId, Partitions = topic.Partitions })
                        .ToList(),
                }
                : null,
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static List<string> UnauthorizedTopics(RequestContext context, IReadOnlyList<string>? subscribed) =>
        subscribed is null ? [] : subscribed.Distinct().Where(topic => !context.Authorize(AclOperation.Describe, AclResourceType.Topic, topic)).ToList();
}
