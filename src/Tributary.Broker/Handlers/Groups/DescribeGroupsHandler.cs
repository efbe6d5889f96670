using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>DescribeGroups v0-5.</summary>
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
            Groups = context.Groups.DescribeGroups(request.Groups).Select(group => new DescribeGroupsResponse.DescribedGroup
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
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
