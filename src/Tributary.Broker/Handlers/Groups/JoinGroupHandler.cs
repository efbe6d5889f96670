using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// JoinGroup v0-9: MEMBER_ID_REQUIRED from v4, static members from v5, skip-assignment from v9. Needs READ on the
/// group (else GROUP_AUTHORIZATION_FAILED with no member id and generation -1).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class JoinGroupHandler : ApiHandler<JoinGroupRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 9;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, JoinGroupRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        if (!context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            // Before v7 the protocol name cannot be null; Kafka answers "" there.
            return new JoinGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, ProtocolName = version >= 7 ? null : "" };
        }
        if (context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None)
            return new JoinGroupResponse { ErrorCode = (short)notCoordinator, ProtocolName = version >= 7 ? null : "" };
        var sessionTimeout = TimeSpan.FromMilliseconds(request.SessionTimeoutMs);
        var result = await context.Groups.JoinGroupAsync(new JoinGroupCommand
        {
            GroupId = request.GroupId,
            MemberId = request.MemberId,
            GroupInstanceId = request.GroupInstanceId,
            ClientId = context.ClientId ?? "",
            ClientHost = ClientAddress.AsKafkaShowsIt(context.ClientHost),
            SessionTimeout = sessionTimeout,
            // v0 has no rebalance timeout: the session timeout served as both.
            RebalanceTimeout = request.RebalanceTimeoutMs >= 0 ? TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs) : sessionTimeout,
            ProtocolType = request.ProtocolType,
            Protocols = request.Protocols.Select(p => new GroupProtocol(p.Name, p.Metadata)).ToList(),
            RequireKnownMemberId = version >= 4,
            SupportsSkipAssignment = version >= 9,
        }, cancellationToken).ConfigureAwait(false);

        return new JoinGroupResponse
        {
            ErrorCode = (short)result.Error,
            GenerationId = result.GenerationId,
            ProtocolType = result.ProtocolType,
            // Before v7 the protocol name cannot be null; Kafka answers "" there.
            ProtocolName = result.ProtocolName ?? (version >= 7 ? null : ""),
            Leader = result.LeaderId,
            SkipAssignment = result.SkipAssignment,
            MemberId = result.MemberId,
            Members = result.Members
                .Select(m => new JoinGroupResponse.JoinGroupResponseMember { MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, Metadata = m.Metadata })
                .ToList(),
        };
    }
}
