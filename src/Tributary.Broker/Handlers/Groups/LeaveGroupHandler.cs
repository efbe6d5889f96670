using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// LeaveGroup v0-5: one member by id before v3, a batch by member or instance id from v3. Needs READ on the group
/// (else GROUP_AUTHORIZATION_FAILED, no member results).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class LeaveGroupHandler : ApiHandler<LeaveGroupRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 5;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request, CancellationToken cancellationToken)
    {
        if (!context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId))
            return ValueTask.FromResult<IKafkaResponse?>(new LeaveGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        if (context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None)
            return ValueTask.FromResult<IKafkaResponse?>(new LeaveGroupResponse { ErrorCode = (short)notCoordinator });
        var batched = context.ApiVersion >= 3;
        IReadOnlyList<LeavingMember> leaving = batched
            ? request.Members.Select(m => new LeavingMember(m.MemberId, m.GroupInstanceId)).ToList()
            : [new LeavingMember(request.MemberId)];
        var result = context.Groups.LeaveGroup(request.GroupId, leaving);

        var response = new LeaveGroupResponse { ErrorCode = (short)result.Error };
        if (batched)
        {
            response.Members = result.Members
                .Select(m => new LeaveGroupResponse.MemberResponse { MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, ErrorCode = (short)m.Error })
                .ToList();
        }
        else if (result.Error == ErrorCode.None)
        {
            // Before v3 the single member's outcome is the response's error.
            response.ErrorCode = (short)result.Members.Single().Error;
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
