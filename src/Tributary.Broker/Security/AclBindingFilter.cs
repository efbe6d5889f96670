namespace Tributary.Broker.Security;

/// <summary>
/// Selects ACLs, as Kafka's <c>AclBindingFilter</c> (what DescribeAcls and DeleteAcls carry): every field left at
/// its default (<c>Any</c> or null) matches everything.
/// </summary>
/// <param name="ResourceType">The resource type, or <see cref="AclResourceType.Any"/>.</param>
/// <param name="ResourceName">The resource name, or null for any.</param>
/// <param name="PatternType">
/// A pattern type; <see cref="AclPatternType.Any"/> (the default) matches ACLs of any pattern type whose name equals
/// <paramref name="ResourceName"/>; <see cref="AclPatternType.Match"/> matches the ACLs that apply to a resource of
/// that name (literal, <c>*</c> and prefixed ones).
/// </param>
/// <param name="Principal">The principal exactly as the ACL names it (<c>User:*</c> matches only ACLs for <c>User:*</c>), or null for any.</param>
/// <param name="Host">The host exactly as the ACL names it, or null for any.</param>
/// <param name="Operation">The operation, or <see cref="AclOperation.Any"/>.</param>
/// <param name="Permission">The permission, or <see cref="AclPermissionType.Any"/>.</param>
public sealed record AclBindingFilter(
    AclResourceType ResourceType = AclResourceType.Any,
    string? ResourceName = null,
    AclPatternType PatternType = AclPatternType.Any,
    string? Principal = null,
    string? Host = null,
    AclOperation Operation = AclOperation.Any,
    AclPermissionType Permission = AclPermissionType.Any)
{
    /// <summary>The filter that matches every ACL.</summary>
    public static AclBindingFilter All { get; } = new();

    /// <summary>Whether <paramref name="acl"/> passes this filter (Kafka's <c>AclBindingFilter.matches</c>).</summary>
    public bool Matches(AclBinding acl) => MatchesPattern(acl) && MatchesEntry(acl);

    private bool MatchesPattern(AclBinding acl)
    {
        if (ResourceType != AclResourceType.Any && ResourceType != acl.ResourceType) return false;
        if (PatternType is not (AclPatternType.Any or AclPatternType.Match) && PatternType != acl.PatternType) return false;
        if (ResourceName is null) return true;
        if (PatternType == AclPatternType.Any || PatternType == acl.PatternType) return ResourceName == acl.ResourceName;
        // Match: the ACLs that apply to a resource named ResourceName.
        return acl.PatternType == AclPatternType.Prefixed
            ? ResourceName.StartsWith(acl.ResourceName, StringComparison.Ordinal)
            : ResourceName == acl.ResourceName || acl.ResourceName == AclBinding.Wildcard;
    }

    private bool MatchesEntry(AclBinding acl) =>
        (Principal is null || Principal == acl.Principal)
        && (Host is null || Host == acl.Host)
        && (Operation == AclOperation.Any || Operation == acl.Operation)
        && (Permission == AclPermissionType.Any || Permission == acl.Permission);

    /// <summary>Why Kafka would refuse this filter (INVALID_REQUEST): an element it does not know. Null when valid.</summary>
    internal string? Problem()
    {
        if (ResourceType == AclResourceType.Unknown || !Enum.IsDefined(ResourceType)) return "Unknown resource type in the filter.";
        if (PatternType == AclPatternType.Unknown || !Enum.IsDefined(PatternType)) return "Unknown pattern type in the filter.";
        if (Operation == AclOperation.Unknown || !Enum.IsDefined(Operation)) return "Unknown operation in the filter.";
        if (Permission == AclPermissionType.Unknown || !Enum.IsDefined(Permission)) return "Unknown permission type in the filter.";
        return null;
    }
}
