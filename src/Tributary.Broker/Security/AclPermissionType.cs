namespace Tributary.Broker.Security;

/// <summary>Whether an ACL allows or denies, numbered as on the wire. A matching DENY always wins over an ALLOW.</summary>
public enum AclPermissionType : sbyte
{
    /// <summary>Not a valid permission type: a code this broker does not know.</summary>
    Unknown = 0,

    /// <summary>In filters only: matches both.</summary>
    Any = 1,

    /// <summary>Denies the operation.</summary>
    Deny = 2,

    /// <summary>Allows the operation.</summary>
    Allow = 3,
}
