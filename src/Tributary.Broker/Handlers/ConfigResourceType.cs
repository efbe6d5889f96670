using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>The resource types of the config APIs, numbered as on the wire.</summary>
internal enum ConfigResourceType : sbyte
{
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
}

/// <summary>Who may read or change configs, as Kafka decides it: a topic's by an ACL on the topic, brokers' by one on the cluster.</summary>
internal static class ConfigAuthorization
{
    /// <summary>
    /// TOPIC_ or CLUSTER_AUTHORIZATION_FAILED when the principal may not do <paramref name="operation"/>
    /// (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the resource; None when it may, or the type is not one the broker knows.
    /// </summary>
    public static ErrorCode Check(RequestContext context, AclOperation operation, sbyte resourceType, string resourceName) => (ConfigResourceType)resourceType switch
    {
        ConfigResourceType.Topic when !context.Authorize(operation, AclResourceType.Topic, resourceName) => ErrorCode.TopicAuthorizationFailed,
        ConfigResourceType.Broker or ConfigResourceType.BrokerLogger when !context.AuthorizeCluster(operation) => ErrorCode.ClusterAuthorizationFailed,
        _ => ErrorCode.None,
    };
}
