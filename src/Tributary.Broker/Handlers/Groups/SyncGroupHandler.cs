using Tributary.Broker.Groups;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// SyncGroup v0-5: protocol type and name checks from v5. Needs READ on the group (else GROUP_AUTHORIZATION_FAILED).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does. A
/// completed generation is written to the group's <c>__consumer_offsets</c> partition (GroupMetadataValue) and the
/// answer waits until the in-sync replicas hold it; a generation that cannot be stored answers COORDINATOR_NOT_AVAILABLE,
/// NOT_COORDINATOR or UNKNOWN_SERVER_ERROR (Kafka's mapping of the write's error) and the group rebalances.
/// </summary>
internal sealed class SyncGroupHandler : ApiHandler<SyncGroupRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 5;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken)
    {
        if (!context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId))
            return new SyncGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        if (context.GroupCoordinatorError(request.GroupId) is var notCoordinator and not ErrorCode.None)
            return new SyncGroupResponse { ErrorCode = (short)notCoordinator };
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in request.Assignments)
            assignments[assignment.MemberId] = assignment.Assignment;

        var result = await context.Groups.SyncGroupAsync(new SyncGroupCommand
        {
            GroupId = request.GroupId,
            GenerationId = request.GenerationId,
            MemberId = request.MemberId,
            GroupInstanceId = request.GroupInstanceId,
            ProtocolType = request.ProtocolType,
            ProtocolName = request.ProtocolName,
            Assignments = assignments,
        }, cancellationToken).ConfigureAwait(false);
        return new SyncGroupResponse
        {
            ErrorCode = (short)result.Error,
            ProtocolType = result.ProtocolType,
            ProtocolName = result.ProtocolName,
            Assignment = result.Assignment,
        };
    }
}
