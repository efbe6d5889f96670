namespace Tributary.Broker.Security;

/// <summary>What an ACL allows or denies, numbered as Kafka numbers them on the wire (and in authorized-operation bit fields).</summary>
public enum AclOperation : sbyte
{
    /// <summary>Not a valid operation: a code this broker does not know.</summary>
    Unknown = 0,

    /// <summary>In filters only: matches every operation.</summary>
    Any = 1,

    /// <summary>Every operation on the resource.</summary>
    All = 2,

    /// <summary>Consume from a topic; join, sync and commit in a group.</summary>
    Read = 3,

    /// <summary>Produce to a topic; use a transactional id.</summary>
    Write = 4,

    /// <summary>Create topics.</summary>
    Create = 5,

    /// <summary>Delete topics, records or groups.</summary>
    Delete = 6,

    /// <summary>Change a topic's partitions; change ACLs (on the cluster).</summary>
    Alter = 7,

    /// <summary>See a topic, group, transactional id or the cluster. Allowed by an ALLOW for READ, WRITE, DELETE or ALTER too.</summary>
    Describe = 8,

    /// <summary>Broker-to-broker requests.</summary>
    ClusterAction = 9,

    /// <summary>Read configs. Allowed by an ALLOW for ALTER_CONFIGS too.</summary>
    DescribeConfigs = 10,

    /// <summary>Change configs.</summary>
    AlterConfigs = 11,

    /// <summary>Get an idempotent producer id (on the cluster).</summary>
    IdempotentWrite = 12,

    /// <summary>Create delegation tokens for a user.</summary>
    CreateTokens = 13,

    /// <summary>Describe a user's delegation tokens.</summary>
    DescribeTokens = 14,
}
