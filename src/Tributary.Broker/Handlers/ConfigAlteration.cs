using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>
/// What AlterConfigs and IncrementalAlterConfigs share: authorization first (ALTER_CONFIGS on the topic, or on the
/// cluster for brokers), then only topic configs can change; broker configs are static.
/// </summary>
internal static class ConfigAlteration
{
    /// <summary>
    /// Applies <paramref name="changes"/> to the resource (or only checks them, when <paramref name="validateOnly"/>),
    /// once the principal is authorized and <paramref name="validate"/>, if given, found nothing wrong.
    /// </summary>
    public static (ErrorCode Error, string? Message) Apply(RequestContext context, sbyte resourceType, string resourceName,
        Func<TopicConfig, IEnumerable<KeyValuePair<string, string?>>> changes, bool validateOnly, Func<(ErrorCode, string?)>? validate = null)
    {
        var denied = ConfigAuthorization.Check(context, AclOperation.AlterConfigs, resourceType, resourceName);
        if (denied != ErrorCode.None) return (denied, AuthorizationMessages.Of(denied));
        if (validate?.Invoke() is (not ErrorCode.None, _) invalid) return invalid;
        switch ((ConfigResourceType)resourceType)
        {
            case ConfigResourceType.Topic:
                var result = context.Cluster.AlterTopicConfig(resourceName, changes, validateOnly);
                return (result.Error, result.Message);
            case ConfigResourceType.Broker or ConfigResourceType.BrokerLogger:
                return (ErrorCode.InvalidRequest, "The embedded cluster's broker configs cannot be changed at run time.");
            default:
                return (ErrorCode.InvalidRequest, $"Unsupported resource type {resourceType}.");
        }
    }
}
