using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Acls;

/// <summary>
/// CreateAcls v0-3 (v0 carries no pattern type: literal). Needs ALTER on the cluster (else every result is
/// CLUSTER_AUTHORIZATION_FAILED); without an authorizer every result is SECURITY_DISABLED. Each ACL is checked as
/// Kafka checks it (cluster name, empty name, filter-only or unknown types, operation, permission, principal) and
/// refused alone with INVALID_REQUEST; the valid ones are stored, an existing one staying as it is.
/// </summary>
/// <remarks>Kafka refuses UNKNOWN codes while parsing the request and closes the connection; Tributary answers INVALID_REQUEST instead, with the reason.</remarks>
internal sealed class CreateAclsHandler : ApiHandler<CreateAclsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.CreateAcls;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 3;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, CreateAclsRequest request, CancellationToken cancellationToken)
    {
        IReadOnlyList<(ErrorCode, string?)> results;
        if (!context.AuthorizeCluster(AclOperation.Alter))
            results = request.Creations.Select(_ => (ErrorCode.ClusterAuthorizationFailed, AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed))).ToList();
        else if (!context.Authorizer.IsEnabled)
            results = request.Creations.Select(_ => (ErrorCode.SecurityDisabled, (string?)AclWire.NoAuthorizer)).ToList();
        else
        {
            var problems = context.Authorizer.Add(request.Creations.Select(Binding).ToList());
            results = problems.Select(problem => problem is null ? (ErrorCode.None, (string?)null) : (ErrorCode.InvalidRequest, problem)).ToList();
        }
        var response = new CreateAclsResponse
        {
            Results = results.Select(r => new CreateAclsResponse.AclCreationResult { ErrorCode = (short)r.Item1, ErrorMessage = r.Item2 }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static AclBinding Binding(CreateAclsRequest.AclCreation creation) => new(
        AclWire.Read<AclResourceType>(creation.ResourceType), creation.ResourceName, AclWire.Read<AclPatternType>(creation.ResourcePatternType),
        creation.Principal, creation.Host, AclWire.Read<AclOperation>(creation.Operation), AclWire.Read<AclPermissionType>(creation.PermissionType));
}
