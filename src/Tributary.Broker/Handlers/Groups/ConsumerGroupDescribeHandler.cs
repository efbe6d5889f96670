using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// ConsumerGroupDescribe v0 (KIP-848): epochs, assignor, and each member's subscription, current and target
/// assignment. An unknown group, or a classic one, is GROUP_ID_NOT_FOUND with Kafka's message, which makes admin
/// clients fall back to DescribeGroups.
/// Needs DESCRIBE on each group (else GROUP_AUTHORIZATION_FAILED for that group); a broker that does not coordinate
/// the group then answers NOT_COORDINATOR, as Kafka does. With include_authorized_operations each described group
/// carries the operations the principal may perform on it (a bit field, as DescribeGroups gives it).
/// </summary>
internal sealed class ConsumerGroupDescribeHandler : ApiHandler<ConsumerGroupDescribeRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.ConsumerGroupDescribe;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 0;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ConsumerGroupDescribeRequest request, CancellationToken cancellationToken)
    {
        var response = new ConsumerGroupDescribeResponse
        {
            Groups = AuthorizedSubset.Answer(request.GroupIds,
                group => context.Authorize(AclOperation.Describe, AclResourceType.Group, group) ? context.GroupCoordinatorError(group) : ErrorCode.GroupAuthorizationFailed,
                coordinated => context.Groups.DescribeConsumerGroups(coordinated).Select(group => new ConsumerGroupDescribeResponse.DescribedGroup
            {
                ErrorCode = (short)group.Error,
                ErrorMessage = group.ErrorMessage,
                GroupId = group.GroupId,
                GroupState = group.State,
                GroupEpoch = group.GroupEpoch,
                AssignmentEpoch = group.AssignmentEpoch,
                AssignorName = group.AssignorName,
                Members = group.Members.Select(member => new ConsumerGroupDescribeResponse.Member
                {
                    MemberId = member.MemberId,
                    InstanceId = member.InstanceId,
                    RackId = member.RackId,
                    MemberEpoch = member.MemberEpoch,
                    ClientId = member.ClientId,
                    ClientHost = member.ClientHost,
                    SubscribedTopicNames = member.SubscribedTopicNames.ToList(),
                    SubscribedTopicRegex = member.SubscribedTopicRegex,
                    Assignment = Assignment(member.Assignment),
                    TargetAssignment = Assignment(member.TargetAssignment),
                }).ToList(),
                AuthorizedOperations = request.IncludeAuthorizedOperations && group.Error == ErrorCode.None
                    ? context.AuthorizedOperations(AclResourceType.Group, group.GroupId)
                    : int.MinValue,
            }),
                (group, error) => new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = group, ErrorCode = (short)error }),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static ConsumerGroupDescribeResponse.Assignment Assignment(IReadOnlyList<DescribedTopicPartitions> partitions) => new()
    {
        TopicPartitions = partitions.Select(topic => new ConsumerGroupDescribeResponse.TopicPartitions
        {
            TopicId = topic.TopicId,
            TopicName = topic.TopicName,
            Partitions = topic.Partitions.ToList(),
        }).ToList(),
    };
}
