namespace Tributary.Broker.Security;

/// <summary>The kind of resource an ACL is about, numbered as on the wire.</summary>
public enum AclResourceType : sbyte
{
    /// <summary>Not a valid resource type: a code this broker does not know.</summary>
    Unknown = 0,

    /// <summary>In filters only: matches every resource type.</summary>
    Any = 1,

    /// <summary>A topic, by name.</summary>
    Topic = 2,

    /// <summary>A consumer group, by group id.</summary>
    Group = 3,

    /// <summary>The cluster; its only name is <c>kafka-cluster</c>.</summary>
    Cluster = 4,

    /// <summary>A transactional id.</summary>
    TransactionalId = 5,

    /// <summary>A delegation token.</summary>
    DelegationToken = 6,

    /// <summary>A user (for delegation tokens).</summary>
    User = 7,
}
