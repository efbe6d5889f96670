using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// DescribeGroups v0-5. Each group needs DESCRIBE (else GROUP_AUTHORIZATION_FAILED, nothing else said about it);
/// from v3 the group's authorized operations are filled when asked.
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class DescribeGroupsHandler : ApiHandler<DescribeGroupsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 5;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeGroupsResponse
        {
            Groups = AuthorizedSubset.Answer(request.Groups,
                group => context.Authorize(AclOperation.Describe, AclResourceType.Group, group) ? context.GroupCoordinatorError(group) : ErrorCode.GroupAuthorizationFailed,
                authorized => context.Groups.DescribeGroups(authorized).Select(group => new DescribeGroupsResponse.DescribedGroup
                {
                    ErrorCode = (short)group.Error,
                    GroupId = group.GroupId,
                    GroupState = group.State,
                    ProtocolType = group.ProtocolType,
                    ProtocolData = group.ProtocolName,
                    Members = group.Members.Select(member => new DescribeGroupsResponse.DescribedGroupMember
                    {
                        MemberId = member.MemberId,
                        GroupInstanceId = member.GroupInstanceId,
                        ClientId = member.ClientId,
                        ClientHost = member.ClientHost,
                        MemberMetadata = member.Metadata,
                        MemberAssignment = member.Assignment,
                    }).ToList(),
                    AuthorizedOperations = request.IncludeAuthorizedOperations && group.Error == ErrorCode.None
                        ? context.AuthorizedOperations(AclResourceType.Group, group.GroupId)
                        : int.MinValue,
                }),
                (group, error) => new DescribeGroupsResponse.DescribedGroup { GroupId = group, ErrorCode = (short)error }),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
