using System.Globalization;
using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>The configs of one resource as an alteration sees them: the names set on it, and each config's effective value.</summary>
/// <param name="SetNames">The configs set on the resource itself (a topic's overrides, the dynamic broker defaults).</param>
/// <param name="Current">The effective value of a config, null when unknown.</param>
internal sealed record ConfigView(IEnumerable<string> SetNames, Func<string, string?> Current);

/// <summary>
/// What AlterConfigs and IncrementalAlterConfigs share: authorization first (ALTER_CONFIGS on the topic, or on the
/// cluster for brokers), then the change. A topic's configs change one topic. A broker resource changes the dynamic
/// broker configs (those Kafka updates as cluster-wide defaults, such as log.retention.ms or message.max.bytes): the
/// default resource (the empty name) sets DYNAMIC_DEFAULT_BROKER_CONFIG values; a broker id sets
/// DYNAMIC_BROKER_CONFIG values (Kafka allows these "for testing"; librdkafka clients can only name a broker), which
/// apply to every broker because the embedded brokers share their logs and settings. A read-only config is refused
/// with INVALID_REQUEST and Kafka's "Cannot update these configs dynamically: Set(...)".
/// </summary>
internal static class ConfigAlteration
{
    /// <summary>One resource of an alter request as Kafka's preprocessing sees it.</summary>
    /// <param name="ResourceType">The resource type, as on the wire.</param>
    /// <param name="ResourceName">The resource name.</param>
    /// <param name="ConfigNames">The names of the configs the resource changes, in request order.</param>
    /// <param name="NullValued">The names of those whose value is null where the API needs one.</param>
    internal sealed record Resource(sbyte ResourceType, string ResourceName, IReadOnlyList<string> ConfigNames, IEnumerable<string> NullValued);

    /// <summary>
    /// Kafka's checks of each resource before anything else, authorization included (ConfigAdminManager.preprocess,
    /// which a KRaft broker runs before it forwards the rest to the controller), in its order: a resource named twice
    /// in the request (both copies refused), a config named twice, a null value, a resource type Kafka does not define
    /// (and for AlterConfigs, which never supported it, BROKER_LOGGER). Each refusal is INVALID_REQUEST with Kafka's
    /// message for that resource alone: the other resources of the request go on.
    /// </summary>
    /// <returns>The refusal of each resource by its index in the request; absent when the resource goes on.</returns>
    public static Dictionary<int, (ErrorCode Error, string Message)> Preprocess(IReadOnlyList<Resource> resources, bool brokerLoggerAllowed)
    {
        var refused = new Dictionary<int, (ErrorCode, string)>();
        foreach (var twice in Enumerable.Range(0, resources.Count).GroupBy(i => (resources[i].ResourceType, resources[i].ResourceName)).Where(g => g.Count() > 1))
            foreach (var index in twice) refused[index] = (ErrorCode.InvalidRequest, "Each resource must appear at most once.");
        for (var index = 0; index < resources.Count; index++)
        {
            if (refused.ContainsKey(index)) continue;
            var resource = resources[index];
            var nullValued = resource.NullValued.ToList();
            if (resource.ConfigNames.Distinct(StringComparer.Ordinal).Count() != resource.ConfigNames.Count)
                refused[index] = (ErrorCode.InvalidRequest, "Error due to duplicate config keys");
            else if (nullValued.Count > 0)
                refused[index] = (ErrorCode.InvalidRequest, "Null value not supported for : " + string.Join(", ", nullValued));
            else if (!Enum.IsDefined((ConfigResourceType)resource.ResourceType) || (!brokerLoggerAllowed && (ConfigResourceType)resource.ResourceType == ConfigResourceType.BrokerLogger))
                refused[index] = (ErrorCode.InvalidRequest, $"Unknown resource type {resource.ResourceType}");
        }
        return refused;
    }

    /// <summary>The refusal of a resource type Kafka defines but the embedded cluster keeps no configs of (CLIENT_METRICS, GROUP).</summary>
    public static string NotKept(sbyte resourceType) => $"The embedded cluster does not keep configs of resource type {resourceType}.";

    /// <summary>
    /// Applies <paramref name="changes"/> (new values by name, null for back to the default) to the resource, or only
    /// checks them when <paramref name="validateOnly"/>, once the principal is authorized and
    /// <paramref name="validate"/>, if given, found nothing wrong.
    /// </summary>
    public static (ErrorCode Error, string? Message) Apply(RequestContext context, sbyte resourceType, string resourceName,
        Func<ConfigView, IEnumerable<KeyValuePair<string, string?>>> changes, bool validateOnly, Func<(ErrorCode, string?)>? validate = null)
    {
        var denied = ConfigAuthorization.Check(context, AclOperation.AlterConfigs, resourceType, resourceName);
        if (denied != ErrorCode.None) return (denied, AuthorizationMessages.Of(denied));
        if (validate?.Invoke() is (not ErrorCode.None, _) invalid) return invalid;
        var cluster = context.Cluster;
        switch ((ConfigResourceType)resourceType)
        {
            case ConfigResourceType.Topic:
                var result = cluster.AlterTopicConfig(resourceName,
                    current => changes(new ConfigView(current.Overrides.Keys,
                        name => TopicConfigCatalog.Find(name) is { } definition ? current.Resolve(definition).Value : null)),
                    validateOnly);
                return (result.Error, result.Message);
            case ConfigResourceType.Broker:
                var perBroker = resourceName.Length > 0;
                if (perBroker && (!int.TryParse(resourceName, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || cluster.Broker(id) is null))
                    return (ErrorCode.InvalidRequest, $"Unknown broker '{resourceName}'.");
                var settings = cluster.Settings;
                var configs = new Dictionary<string, string>(settings.DynamicConfigs(perBroker));
                var view = new ConfigView(configs.Keys.ToList(),
                    name => BrokerConfigCatalog.Find(name) is { IsSettable: true } definition ? settings.Resolve(definition).Value : null);
                foreach (var (name, value) in changes(view).ToList())
                {
                    if (value is null) configs.Remove(name);
                    else configs[name] = value;
                }
                var altered = cluster.AlterBrokerConfigs(perBroker, configs, validateOnly);
                return (altered.Error, altered.Message);
            case ConfigResourceType.BrokerLogger:
                return (ErrorCode.InvalidRequest, "The embedded cluster's loggers cannot be changed through Kafka's APIs.");
            default:
                return (ErrorCode.InvalidRequest, NotKept(resourceType));
        }
    }
}
