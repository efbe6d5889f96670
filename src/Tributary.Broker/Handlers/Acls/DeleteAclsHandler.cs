using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Acls;

/// <summary>
/// DeleteAcls v0-3: removes the ACLs each filter matches and lists them per filter. Needs ALTER on the cluster
/// (else every filter's result is CLUSTER_AUTHORIZATION_FAILED); without an authorizer SECURITY_DISABLED; a filter
/// with an UNKNOWN element gets INVALID_REQUEST and deletes nothing, the others still apply.
/// </summary>
internal sealed class DeleteAclsHandler : ApiHandler<DeleteAclsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DeleteAcls;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 3;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DeleteAclsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteAclsResponse();
        if (!context.AuthorizeCluster(AclOperation.Alter))
            response.FilterResults = request.Filters.Select(_ => Failed(ErrorCode.ClusterAuthorizationFailed, AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed)!)).ToList();
        else if (!context.Authorizer.IsEnabled)
            response.FilterResults = request.Filters.Select(_ => Failed(ErrorCode.SecurityDisabled, AclWire.NoAuthorizer)).ToList();
        else
        {
            var filters = request.Filters.Select(f => AclWire.Filter(f.ResourceTypeFilter, f.ResourceNameFilter, f.PatternTypeFilter,
                f.PrincipalFilter, f.HostFilter, f.Operation, f.PermissionType)).ToList();
            // A filter Kafka refuses deletes nothing; the valid ones' results come back in their order.
            var removed = new Queue<IReadOnlyList<AclBinding>>(context.Authorizer.Remove(filters.Where(f => f.Problem() is null).ToList()));
            response.FilterResults = filters.Select(filter => filter.Problem() is { } problem
                ? Failed(ErrorCode.InvalidRequest, problem)
                : new DeleteAclsResponse.DeleteAclsFilterResult { ErrorMessage = null, MatchingAcls = removed.Dequeue().Select(Matching).ToList() }).ToList();
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DeleteAclsResponse.DeleteAclsFilterResult Failed(ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };

    private static DeleteAclsResponse.DeleteAclsMatchingAcl Matching(AclBinding acl) => new()
    {
        ErrorMessage = null,
        ResourceType = (sbyte)acl.ResourceType,
        ResourceName = acl.ResourceName,
        PatternType = (sbyte)acl.PatternType,
        Principal = acl.Principal,
        Host = acl.Host,
        Operation = (sbyte)acl.Operation,
        PermissionType = (sbyte)acl.Permission,
    };
}
