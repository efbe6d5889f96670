using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// DeleteGroups v0-2. Each group needs DELETE (else GROUP_AUTHORIZATION_FAILED; it is not touched).
/// A broker that does not coordinate the group answers NOT_COORDINATOR (after authorization), as Kafka does. A deleted
/// group leaves tombstones in its <c>__consumer_offsets</c> partition, one for its metadata and one per committed offset,
/// and is answered once the in-sync replicas hold them.
/// </summary>
internal sealed class DeleteGroupsHandler : ApiHandler<DeleteGroupsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 2;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteGroupsResponse
        {
            Results = AuthorizedSubset.Answer(request.GroupsNames,
                group => context.Authorize(AclOperation.Delete, AclResourceType.Group, group) ? context.GroupCoordinatorError(group) : ErrorCode.GroupAuthorizationFailed,
                authorized => context.Groups.DeleteGroups(authorized)
                    .Select(result => new DeleteGroupsResponse.DeletableGroupResult { GroupId = result.GroupId, ErrorCode = (short)result.Error }),
                (group, error) => new DeleteGroupsResponse.DeletableGroupResult { GroupId = group, ErrorCode = (short)error }),
        };
        // Answered once the in-sync replicas hold the tombstones, as Kafka answers after their append.
        foreach (var deleted in response.Results.Where(r => r.ErrorCode == 0))
            deleted.ErrorCode = (short)await context.Groups.WaitReplicatedAsync(deleted.GroupId, cancellationToken).ConfigureAwait(false);
        return response;
    }
}
