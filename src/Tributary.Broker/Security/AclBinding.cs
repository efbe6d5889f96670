namespace Tributary.Broker.Security;

/// <summary>
/// One ACL: a principal from a host is allowed (or denied) an operation on the resources a pattern names, as
/// Kafka's <c>AclBinding</c>. Two equal bindings are one ACL: creating an existing ACL again changes nothing.
/// </summary>
/// <param name="ResourceType">Topic, group, cluster or transactional id (never <see cref="AclResourceType.Any"/>).</param>
/// <param name="ResourceName">The name, a prefix (for <see cref="AclPatternType.Prefixed"/>), or <c>*</c> for every resource of the type.</param>
/// <param name="PatternType"><see cref="AclPatternType.Literal"/> or <see cref="AclPatternType.Prefixed"/>.</param>
/// <param name="Principal">Who, as <c>Type:Name</c> (e.g. <c>User:alice</c>); <c>User:*</c> is everyone.</param>
/// <param name="Host">The client's IP address, or <c>*</c> for any host.</param>
/// <param name="Operation">The operation; <see cref="AclOperation.All"/> stands for every operation.</param>
/// <param name="Permission"><see cref="AclPermissionType.Allow"/> or <see cref="AclPermissionType.Deny"/>.</param>
public sealed record AclBinding(
    AclResourceType ResourceType,
    string ResourceName,
    AclPatternType PatternType,
    string Principal,
    string Host,
    AclOperation Operation,
    AclPermissionType Permission)
{
    /// <summary>The one name of the <see cref="AclResourceType.Cluster"/> resource.</summary>
    public const string ClusterResourceName = "kafka-cluster";

    /// <summary>The resource name, host or principal name that stands for all of them.</summary>
    public const string Wildcard = "*";

    /// <summary>An ACL that allows <paramref name="principal"/> <paramref name="operation"/> on the resources named.</summary>
    public static AclBinding Allow(string principal, AclOperation operation, AclResourceType resourceType, string resourceName,
        AclPatternType patternType = AclPatternType.Literal, string host = Wildcard) =>
        new(resourceType, resourceName, patternType, principal, host, operation, AclPermissionType.Allow);

    /// <summary>An ACL that denies <paramref name="principal"/> <paramref name="operation"/> on the resources named.</summary>
    public static AclBinding Deny(string principal, AclOperation operation, AclResourceType resourceType, string resourceName,
        AclPatternType patternType = AclPatternType.Literal, string host = Wildcard) =>
        new(resourceType, resourceName, patternType, principal, host, operation, AclPermissionType.Deny);

    /// <summary>
    /// Why Kafka would refuse to store this ACL (the message of its INVALID_REQUEST answer), or null when it is valid.
    /// </summary>
    internal string? Problem()
    {
        if (ResourceType == AclResourceType.Cluster && ResourceName != ClusterResourceName)
            return $"The only valid name for the CLUSTER resource is {ClusterResourceName}";
        if (string.IsNullOrEmpty(ResourceName)) return "Invalid empty resource name";
        if (ResourceType is AclResourceType.Unknown or AclResourceType.Any || !Enum.IsDefined(ResourceType))
            return $"Invalid resourceType {AclNames.Of(ResourceType)}";
        if (PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed)) return $"Invalid patternType {AclNames.Of(PatternType)}";
        if (Operation is AclOperation.Unknown or AclOperation.Any || !Enum.IsDefined(Operation)) return $"Invalid operation {AclNames.Of(Operation)}";
        if (Permission is not (AclPermissionType.Allow or AclPermissionType.Deny)) return $"Invalid permissionType {AclNames.Of(Permission)}";
        if (Principal.IndexOf(':') <= 0)
            return $"Could not parse principal from `{Principal}` (no colon is present separating the principal type from the principal name)";
        return null;
    }

    /// <summary>As Kafka prints an ACL, e.g. <c>(pattern=TOPIC:LITERAL:orders, principal=User:alice, host=*, operation=READ, permission=ALLOW)</c>.</summary>
    public override string ToString() =>
        $"(pattern={AclNames.Of(ResourceType)}:{AclNames.Of(PatternType)}:{ResourceName}, principal={Principal}, host={Host}, " +
        $"operation={AclNames.Of(Operation)}, permission={AclNames.Of(Permission)})";
}
