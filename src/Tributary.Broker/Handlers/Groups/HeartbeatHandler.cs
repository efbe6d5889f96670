using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// Heartbeat v0-4. Needs READ on the group (else GROUP_AUTHORIZATION_FAILED).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class HeartbeatHandler : ApiHandler<HeartbeatRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var error = !context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId) ? ErrorCode.GroupAuthorizationFailed
            : context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None ? notCoordinator
            : context.Groups.Heartbeat(new HeartbeatCommand(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId));
        return ValueTask.FromResult<IKafkaResponse?>(new HeartbeatResponse { ErrorCode = (short)error });
    }
}
