using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// ListGroups v0-5: state filter from v4, type filter from v5. Each broker lists the groups it coordinates, as in
/// Kafka (tools ask every broker and merge the answers). A principal that may DESCRIBE the cluster sees every
/// group; others see the groups they may DESCRIBE.
/// </summary>
internal sealed class ListGroupsHandler : ApiHandler<ListGroupsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.ListGroups;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 5;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ListGroupsRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var everyGroup = context.AuthorizeCluster(AclOperation.Describe);
        var groups = context.Groups.ListGroups(request.StatesFilter, request.TypesFilter)
            .Where(group => context.GroupCoordinatorError(group.GroupId) == ErrorCode.None)
            .Where(group => everyGroup || context.Authorize(AclOperation.Describe, AclResourceType.Group, group.GroupId));
        var response = new ListGroupsResponse
        {
            Groups = groups.Select(group => new ListGroupsResponse.ListedGroup
            {
                GroupId = group.GroupId,
                ProtocolType = group.ProtocolType,
                GroupState = version >= 4 ? group.State : "",
                GroupType = version >= 5 ? group.GroupType : "",
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
