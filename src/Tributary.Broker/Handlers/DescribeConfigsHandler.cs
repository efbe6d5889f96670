using System.Globalization;
using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using Result = Tributary.Protocol.Messages.DescribeConfigsResponse.DescribeConfigsResult;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DescribeConfigs: every topic or broker config with its value, source, type, and (if asked) synonyms and documentation.
/// A broker resource named by id lists every config of <see cref="BrokerConfigCatalog"/> (source DYNAMIC_BROKER_CONFIG,
/// DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG or DEFAULT_CONFIG, synonyms most specific first); the empty
/// name, the cluster-wide default resource, lists only the dynamic defaults set at run time, as Kafka does. v0 reports
/// is_default instead of the source.
/// A topic needs DESCRIBE_CONFIGS on it (else TOPIC_AUTHORIZATION_FAILED, before any existence check), a broker
/// DESCRIBE_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED). A resource type Kafka does not define fails
/// the whole request, as Kafka's authorization step throws on it: every resource gets INVALID_REQUEST with the
/// error's standard message (DescribeConfigsRequest.getErrorResponse). Sarama 1.22 sends one: its broker type is 5.
/// BROKER_LOGGER is INVALID_REQUEST for that resource: the embedded cluster's loggers are not Kafka's log4j loggers;
/// so are CLIENT_METRICS and GROUP, types Kafka defines whose configs the embedded cluster does not keep.
/// </summary>
internal sealed class DescribeConfigsHandler : ApiHandler<DescribeConfigsRequest>
{
    private const short IsDefaultLastVersion = 0;

    /// <summary>Kafka's Errors.INVALID_REQUEST message, which a failed request gives every resource.</summary>
    private const string InvalidRequestMessage = "This most likely occurs because of a request being malformed by the client library or the message was "
        + "sent to an incompatible broker. See the broker logs for more details.";

    public override ApiKey ApiKey => ApiKey.DescribeConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        var unknownType = request.Resources.Any(r => !Enum.IsDefined((ConfigResourceType)r.ResourceType));
        var response = new DescribeConfigsResponse
        {
            Results = request.Resources.Select(resource => unknownType
                ? Fail(new Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName }, ErrorCode.InvalidRequest, InvalidRequestMessage)
                : Describe(context, request, resource)).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static Result Describe(RequestContext context, DescribeConfigsRequest request, DescribeConfigsRequest.DescribeConfigsResource resource)
    {
        var result = new Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorMessage = null };
        var denied = ConfigAuthorization.Check(context, AclOperation.DescribeConfigs, resource.ResourceType, resource.ResourceName);
        if (denied != ErrorCode.None) return Fail(result, denied, AuthorizationMessages.Of(denied)!);
        IEnumerable<DescribedConfig> configs;
        switch ((ConfigResourceType)resource.ResourceType)
        {
            case ConfigResourceType.Topic when context.Cluster.TryGetTopic(resource.ResourceName, out var topic):
                configs = topic.Config.Describe();
                break;
            case ConfigResourceType.Topic:
                return Fail(result, ErrorCode.UnknownTopicOrPartition, $"Topic '{resource.ResourceName}' does not exist.");
            case ConfigResourceType.Broker when resource.ResourceName.Length == 0:
                configs = BrokerConfigCatalog.DescribeDynamicDefaults(context.Cluster.Settings);
                break;
            case ConfigResourceType.Broker when FindBroker(context, resource.ResourceName) is { } broker:
                configs = BrokerConfigCatalog.Describe(broker, context.Cluster.Settings);
                break;
            case ConfigResourceType.Broker:
                return Fail(result, ErrorCode.InvalidRequest, $"Unknown broker '{resource.ResourceName}'.");
            case ConfigResourceType.BrokerLogger:
                return Fail(result, ErrorCode.InvalidRequest, "The embedded cluster's loggers are not described through Kafka's APIs.");
            default:
                return Fail(result, ErrorCode.InvalidRequest, ConfigAlteration.NotKept(resource.ResourceType));
        }
        if (resource.ConfigurationKeys is { } keys) configs = configs.Where(c => keys.Contains(c.Definition.Name));
        result.Configs = configs.Select(c => Entry(context, request, c, (ConfigResourceType)resource.ResourceType)).ToList();
        return result;
    }

    /// <summary>A broker resource names a broker id (the empty name, the cluster-wide defaults, is handled before).</summary>
    private static BrokerNode? FindBroker(RequestContext context, string name) =>
        int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? context.Cluster.Broker(id) : null;

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Entry(RequestContext context, DescribeConfigsRequest request, DescribedConfig config, ConfigResourceType type)
    {
        var definition = config.Definition;
        var entry = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = definition.Name,
            Value = config.Value,
            ReadOnly = definition.ReadOnly,
            ConfigSource = (sbyte)config.Source,
            ConfigType = (sbyte)definition.Type,
            Documentation = request.IncludeDocumentation ? definition.Documentation : null,
        };
        if (context.ApiVersion <= IsDefaultLastVersion) entry.IsDefault = config.Source == ConfigSource.DefaultConfig;
        if (request.IncludeSynonyms) entry.Synonyms = Synonyms(config, type, context.Cluster.Settings).ToList();
        return entry;
    }

    /// <summary>
    /// Where the value could come from, most specific first, as Kafka lists them: the topic's own value, then the
    /// broker config behind it (dynamic cluster default, static config, Kafka's default).
    /// </summary>
    private static IEnumerable<DescribeConfigsResponse.DescribeConfigsSynonym> Synonyms(DescribedConfig config, ConfigResourceType type, ClusterSettings settings)
    {
        var definition = config.Definition;
        if (type == ConfigResourceType.Topic && config.Source == ConfigSource.TopicConfig)
            yield return new() { Name = definition.Name, Value = config.Value, Source = (sbyte)config.Source };
        var brokerName = type == ConfigResourceType.Topic ? definition.BrokerSynonym : definition.Name;
        var broker = brokerName is null ? null : BrokerConfigCatalog.Find(brokerName);
        if (broker is { IsSettable: true })
        {
            foreach (var (value, source) in settings.Layers(broker)) yield return new() { Name = broker.Name, Value = value, Source = (sbyte)source };
            yield break;
        }
        if (type == ConfigResourceType.Broker && config.Source != ConfigSource.DefaultConfig)
            yield return new() { Name = definition.Name, Value = config.Value, Source = (sbyte)config.Source };
        if (brokerName is not null && definition.DefaultValue is not null)
            yield return new() { Name = brokerName, Value = definition.DefaultValue, Source = (sbyte)ConfigSource.DefaultConfig };
    }

    private static Result Fail(Result result, ErrorCode error, string message)
    {
        result.ErrorCode = (short)error;
        result.ErrorMessage = message;
        return result;
    }
}
