namespace Tributary.Broker.Security;

/// <summary>How an ACL's resource name is matched against the names of resources, numbered as on the wire.</summary>
public enum AclPatternType : sbyte
{
    /// <summary>Not a valid pattern type: a code this broker does not know.</summary>
    Unknown = 0,

    /// <summary>In filters only: ACLs of any pattern type whose name equals the filter's name.</summary>
    Any = 1,

    /// <summary>
    /// In filters only: the ACLs that apply to a resource of the filter's name: literal ones with that name or
    /// <c>*</c>, and prefixed ones whose name starts the filter's name.
    /// </summary>
    Match = 2,

    /// <summary>The name is the resource's whole name; <c>*</c> stands for every resource of the type.</summary>
    Literal = 3,

    /// <summary>The name is a prefix: the ACL applies to every resource whose name starts with it.</summary>
    Prefixed = 4,
}
