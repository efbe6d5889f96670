using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>
/// The resource types of the config APIs, numbered as on the wire: every type Kafka's ConfigResource.Type defines
/// (UNKNOWN, 0, aside). The embedded cluster keeps configs of topics and brokers only.
/// </summary>
internal enum ConfigResourceType : sbyte
{
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,

    /// <summary>CLIENT_METRICS (KIP-714): subscriptions of client metrics, which the embedded cluster does not collect.</summary>
    ClientMetrics = 16,

    /// <summary>GROUP (KIP-848): per-group configs, which the embedded cluster does not keep.</summary>
    Group = 32,
}

/// <summary>
/// Who may read or change configs, as Kafka decides it: a topic's by an ACL on the topic, a group's by one on the
/// group, brokers', loggers' and client metrics' by one on the cluster.
/// </summary>
internal static class ConfigAuthorization
{
    /// <summary>
    /// TOPIC_, GROUP_ or CLUSTER_AUTHORIZATION_FAILED when the principal may not do <paramref name="operation"/>
    /// (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the resource; None when it may, or the type is not one the broker knows.
    /// </summary>
    public static ErrorCode Check(RequestContext context, AclOperation operation, sbyte resourceType, string resourceName) => (ConfigResourceType)resourceType switch
    {
        ConfigResourceType.Topic when !context.Authorize(operation, AclResourceType.Topic, resourceName) => ErrorCode.TopicAuthorizationFailed,
        ConfigResourceType.Broker or ConfigResourceType.BrokerLogger or ConfigResourceType.ClientMetrics when !context.AuthorizeCluster(operation) => ErrorCode.ClusterAuthorizationFailed,
        ConfigResourceType.Group when !context.Authorize(operation, AclResourceType.Group, resourceName) => ErrorCode.GroupAuthorizationFailed,
        _ => ErrorCode.None,
    };
}
