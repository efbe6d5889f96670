using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Acls;

/// <summary>
/// DescribeAcls v0-3: the ACLs a filter matches, grouped by resource pattern. Needs DESCRIBE on the cluster (else
/// CLUSTER_AUTHORIZATION_FAILED); without an authorizer SECURITY_DISABLED; a filter with an UNKNOWN element is
/// INVALID_REQUEST.
/// </summary>
internal sealed class DescribeAclsHandler : ApiHandler<DescribeAclsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DescribeAcls;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 3;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeAclsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeAclsResponse { ErrorMessage = null };
        var filter = AclWire.Filter(request.ResourceTypeFilter, request.ResourceNameFilter, request.PatternTypeFilter,
            request.PrincipalFilter, request.HostFilter, request.Operation, request.PermissionType);
        if (!context.AuthorizeCluster(AclOperation.Describe))
            Fail(response, ErrorCode.ClusterAuthorizationFailed, AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed)!);
        else if (!context.Authorizer.IsEnabled)
            Fail(response, ErrorCode.SecurityDisabled, AclWire.NoAuthorizer);
        else if (filter.Problem() is { } problem)
            Fail(response, ErrorCode.InvalidRequest, problem);
        else
        {
            response.Resources = context.Authorizer.Find(filter)
                .GroupBy(acl => (acl.ResourceType, acl.ResourceName, acl.PatternType))
                .Select(resource => new DescribeAclsResponse.DescribeAclsResource
                {
                    ResourceType = (sbyte)resource.Key.ResourceType,
                    ResourceName = resource.Key.ResourceName,
                    PatternType = (sbyte)resource.Key.PatternType,
                    Acls = resource.Select(acl => new DescribeAclsResponse.AclDescription
                    {
                        Principal = acl.Principal,
                        Host = acl.Host,
                        Operation = (sbyte)acl.Operation,
                        PermissionType = (sbyte)acl.Permission,
                    }).ToList(),
                }).ToList();
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static void Fail(DescribeAclsResponse response, ErrorCode error, string message)
    {
        response.ErrorCode = (short)error;
        response.ErrorMessage = message;
    }
}
