using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tributary.Broker.Security;

/// <summary>
/// The cluster's ACLs and the one place a request is authorized, with the rules of Kafka's StandardAuthorizer:
/// <list type="bullet">
/// <item>A super user may do anything.</item>
/// <item>The ACLs that apply to a resource are the literal ones with its name or <c>*</c> and the prefixed ones whose
/// name starts its name. Of those, the ones that name the principal (or <c>User:*</c>), the client's host (or
/// <c>*</c>) and the operation (or ALL) decide: any DENY denies, else any ALLOW allows.</item>
/// <item>An ALLOW for READ, WRITE, DELETE or ALTER also allows DESCRIBE; one for ALTER_CONFIGS also allows
/// DESCRIBE_CONFIGS. DENY ACLs imply nothing.</item>
/// <item>When no ACL at all applies to the resource, <c>allow.everyone.if.no.acl.found</c> decides (false by
/// default); when some apply but none matches, the answer is no.</item>
/// </list>
/// A disabled authorizer (the default of a cluster) allows everything and keeps no ACLs.
/// </summary>
/// <remarks>
/// Reads take a snapshot of the ACL array without locking; changes (rare) copy it under a lock, so a request sees
/// the ACLs either before or after a change, never half of it.
/// </remarks>
internal sealed class Authorizer
{
    private static readonly AclOperation[] TopicOperations =
        [AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Describe, AclOperation.Delete, AclOperation.Alter, AclOperation.DescribeConfigs, AclOperation.AlterConfigs];
    private static readonly AclOperation[] GroupOperations = [AclOperation.Read, AclOperation.Describe, AclOperation.Delete];
    private static readonly AclOperation[] ClusterOperations =
        [AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs, AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe];
    private static readonly AclOperation[] TransactionalIdOperations = [AclOperation.Describe, AclOperation.Write];
    private static readonly AclOperation[] DelegationTokenOperations = [AclOperation.Describe];
    private static readonly AclOperation[] UserOperations = [AclOperation.CreateTokens, AclOperation.DescribeTokens];

    private const string AnyUser = "User:*";

    private readonly HashSet<string> _superUsers;
    private readonly bool _allowEveryoneIfNoAclFound;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private AclBinding[] _acls = [];

    /// <summary>An authorizer that allows everything: the cluster's when authorization is off.</summary>
    public static Authorizer Disabled { get; } = new(false, [], false, NullLogger.Instance);

    /// <param name="enabled">False: every request is allowed and the ACL APIs answer SECURITY_DISABLED.</param>
    /// <param name="superUsers">Principals (<c>User:alice</c>) allowed everything.</param>
    /// <param name="allowEveryoneIfNoAclFound">Whether a resource that no ACL applies to is open to everyone.</param>
    /// <param name="logger">Where denials are logged (at debug level, as Kafka's authorizer log does).</param>
    public Authorizer(bool enabled, IEnumerable<string> superUsers, bool allowEveryoneIfNoAclFound, ILogger logger)
    {
        IsEnabled = enabled;
        _superUsers = superUsers.ToHashSet(StringComparer.Ordinal);
        _allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
        _logger = logger;
    }

    /// <summary>Raised after ACLs were added or removed (the metadata file of a data directory keeps them).</summary>
    public event Action? Changed;

    /// <summary>Whether ACLs are enforced.</summary>
    public bool IsEnabled { get; }

    /// <summary>Whether <paramref name="principal"/> from <paramref name="host"/> may do <paramref name="operation"/> on the resource.</summary>
    public bool Authorize(KafkaPrincipal principal, string host, AclOperation operation, AclResourceType resourceType, string resourceName)
    {
        if (!IsEnabled) return true;
        var who = principal.ToString();
        if (_superUsers.Contains(who)) return true;

        var anyAclOnResource = false;
        var allowed = false;
        foreach (var acl in Volatile.Read(ref _acls))
        {
            if (acl.ResourceType != resourceType || !AppliesTo(acl, resourceName)) continue;
            anyAclOnResource = true;
            var decision = Decide(acl, who, host, operation);
            if (decision == AclPermissionType.Deny)
            {
                LogDenied(who, host, operation, resourceType, resourceName, acl.ToString());
                return false;
            }
            allowed |= decision == AclPermissionType.Allow;
        }
        if (allowed || (!anyAclOnResource && _allowEveryoneIfNoAclFound)) return true;
        LogDenied(who, host, operation, resourceType, resourceName, anyAclOnResource ? "no matching ALLOW" : "no ACL on the resource");
        return false;
    }

    /// <summary>
    /// Whether the principal may do <paramref name="operation"/> on at least one resource of the type (Kafka's
    /// <c>authorizeByResourceType</c>, which InitProducerId uses: WRITE on any topic allows an idempotent producer).
    /// Yes when allowed on an arbitrary name (super users, no ACLs and allow.everyone), when an ALLOW names <c>*</c>, or
    /// when some literal or prefixed ALLOW is not covered by a DENY for the same name or a prefix of it.
    /// </summary>
    public bool AuthorizeAny(KafkaPrincipal principal, string host, AclOperation operation, AclResourceType resourceType)
    {
        if (Authorize(principal, host, operation, resourceType, "hardcode")) return true;
        var who = principal.ToString();
        var matching = Volatile.Read(ref _acls).Where(acl =>
            acl.ResourceType == resourceType
            && (acl.Host == AclBinding.Wildcard || acl.Host == host)
            && (acl.Principal == who || acl.Principal == AnyUser)
            && (acl.Operation == operation || acl.Operation == AclOperation.All)).ToList();
        if (matching.Any(acl => acl.Permission == AclPermissionType.Deny && IsWildcard(acl))) return false;
        if (matching.Any(acl => acl.Permission == AclPermissionType.Allow && IsWildcard(acl))) return true;
        var denied = matching.Where(acl => acl.Permission == AclPermissionType.Deny).ToList();
        return matching.Any(acl =>
            acl.Permission == AclPermissionType.Allow
            && !denied.Any(deny => deny.PatternType == AclPatternType.Literal
                ? acl.PatternType == AclPatternType.Literal && deny.ResourceName == acl.ResourceName
                : acl.ResourceName.StartsWith(deny.ResourceName, StringComparison.Ordinal)));
    }

    private static bool IsWildcard(AclBinding acl) => acl.PatternType == AclPatternType.Literal && acl.ResourceName == AclBinding.Wildcard;

    /// <summary>
    /// The operations the principal may do on the resource as Kafka's "authorized operations" bit field: bit n set
    /// for the operation of code n, over the operations the resource type supports.
    /// </summary>
    public int AuthorizedOperations(KafkaPrincipal principal, string host, AclResourceType resourceType, string resourceName)
    {
        var bits = 0;
        foreach (var operation in SupportedOperations(resourceType))
        {
            if (Authorize(principal, host, operation, resourceType, resourceName)) bits |= 1 << (int)operation;
        }
        return bits;
    }

    private static AclOperation[] SupportedOperations(AclResourceType resourceType) => resourceType switch
    {
        AclResourceType.Topic => TopicOperations,
        AclResourceType.Group => GroupOperations,
        AclResourceType.Cluster => ClusterOperations,
        AclResourceType.TransactionalId => TransactionalIdOperations,
        AclResourceType.DelegationToken => DelegationTokenOperations,
        AclResourceType.User => UserOperations,
        _ => [],
    };

    /// <summary>Stores the valid ACLs (an existing one stays as it is); each gets its problem (null when stored), in order.</summary>
    public IReadOnlyList<string?> Add(IReadOnlyList<AclBinding> acls)
    {
        var problems = acls.Select(acl => acl.Problem()).ToList();
        lock (_gate)
        {
            var stored = _acls.ToHashSet();
            var added = _acls.ToList();
            for (var i = 0; i < acls.Count; i++)
            {
                if (problems[i] is null && stored.Add(acls[i])) added.Add(acls[i]);
            }
            Volatile.Write(ref _acls, added.ToArray());
        }
        Changed?.Invoke();
        return problems;
    }

    /// <summary>The stored ACLs that pass <paramref name="filter"/>, in the order they were created.</summary>
    public IReadOnlyList<AclBinding> Find(AclBindingFilter filter) => Volatile.Read(ref _acls).Where(filter.Matches).ToList();

    /// <summary>Removes, and returns, the ACLs that pass any of <paramref name="filters"/>, each filter's own in the filter's order.</summary>
    public IReadOnlyList<IReadOnlyList<AclBinding>> Remove(IReadOnlyList<AclBindingFilter> filters)
    {
        List<IReadOnlyList<AclBinding>> removed;
        lock (_gate)
        {
            var current = _acls;
            removed = filters.Select(filter => (IReadOnlyList<AclBinding>)current.Where(filter.Matches).ToList()).ToList();
            var gone = removed.SelectMany(list => list).ToHashSet();
            Volatile.Write(ref _acls, current.Where(acl => !gone.Contains(acl)).ToArray());
        }
        Changed?.Invoke();
        return removed;
    }

    private static bool AppliesTo(AclBinding acl, string resourceName) => acl.PatternType switch
    {
        AclPatternType.Literal => acl.ResourceName == resourceName || acl.ResourceName == AclBinding.Wildcard,
        AclPatternType.Prefixed => resourceName.StartsWith(acl.ResourceName, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>What <paramref name="acl"/> (already known to apply to the resource) says: Allow, Deny, or Unknown when it does not match.</summary>
    private static AclPermissionType Decide(AclBinding acl, string who, string host, AclOperation operation)
    {
        if (acl.Principal != who && acl.Principal != AnyUser) return AclPermissionType.Unknown;
        if (acl.Host != AclBinding.Wildcard && acl.Host != host) return AclPermissionType.Unknown;
        if (acl.Operation != AclOperation.All && acl.Operation != operation && !(acl.Permission == AclPermissionType.Allow && Implies(acl.Operation, operation)))
            return AclPermissionType.Unknown;
        return acl.Permission;
    }

    /// <summary>Kafka's implied operations, for ALLOW ACLs only.</summary>
    private static bool Implies(AclOperation granted, AclOperation wanted) => wanted switch
    {
        AclOperation.Describe => granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter,
        AclOperation.DescribeConfigs => granted == AclOperation.AlterConfigs,
        _ => false,
    };

    private void LogDenied(string who, string host, AclOperation operation, AclResourceType resourceType, string resourceName, string rule) =>
        _logger.LogDebug("Principal = {Principal} is Denied operation = {Operation} from host = {Host} on resource = {ResourceType}:{Resource} based on {Rule}",
            who, AclNames.Of(operation), host, AclNames.Of(resourceType), resourceName, rule);
}
