using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs: sets, deletes, appends to or subtracts from individual topic configs, or the dynamic
/// cluster-wide broker defaults (see <see cref="ConfigAlteration"/>). Needs ALTER_CONFIGS on the topic (or on the
/// cluster for brokers), checked before the changes are. Before that, Kafka's preprocessing refuses a resource alone
/// with INVALID_REQUEST (see <see cref="ConfigAlteration.Preprocess"/>): named twice, a config named twice, a null
/// value for anything but DELETE, or a resource type Kafka does not define ("Unknown resource type N").
/// </summary>
internal sealed class IncrementalAlterConfigsHandler : ApiHandler<IncrementalAlterConfigsRequest>
{
    private enum Operation : sbyte
    {
        Set = 0,
        Delete = 1,
        Append = 2,
        Subtract = 3,
    }

    public override ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new IncrementalAlterConfigsResponse();
        var refused = ConfigAlteration.Preprocess(request.Resources
            .Select(r => new ConfigAlteration.Resource(r.ResourceType, r.ResourceName, r.Configs.Select(c => c.Name).ToList(),
                r.Configs.Where(c => c.Value is null && (Operation)c.ConfigOperation != Operation.Delete).Select(c => c.Name)))
            .ToList(), brokerLoggerAllowed: true);
        foreach (var (resource, index) in request.Resources.Select((r, i) => (r, i)))
        {
            var (error, message) = refused.TryGetValue(index, out var refusal) ? refusal : ConfigAlteration.Apply(context, resource.ResourceType, resource.ResourceName,
                current => resource.Configs.Select(c => Change(current, c)), request.ValidateOnly, () => Check(resource));
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static (ErrorCode, string?) Check(IncrementalAlterConfigsRequest.AlterConfigsResource resource)
    {
        foreach (var config in resource.Configs)
        {
            var operation = (Operation)config.ConfigOperation;
            if (!Enum.IsDefined(operation)) return (ErrorCode.InvalidRequest, $"Unknown config operation {config.ConfigOperation}.");
            var definition = (ConfigResourceType)resource.ResourceType == ConfigResourceType.Broker
                ? BrokerConfigCatalog.Find(config.Name)?.Definition
                : TopicConfigCatalog.Find(config.Name);
            var isList = definition?.Type == ConfigType.List;
            if (operation is Operation.Append or Operation.Subtract && !isList)
                return (ErrorCode.InvalidConfig, $"Config {config.Name} is not a list: it cannot be appended to or subtracted from.");
        }
        return (ErrorCode.None, null);
    }

    /// <summary>The new value of one config (null = back to the default).</summary>
    private static KeyValuePair<string, string?> Change(ConfigView current, IncrementalAlterConfigsRequest.AlterableConfig config)
    {
        var items = SplitList(current.Current(config.Name));
        var given = SplitList(config.Value);
        var value = (Operation)config.ConfigOperation switch
        {
            Operation.Delete => null,
            Operation.Append => string.Join(',', items.Concat(given.Except(items))),
            Operation.Subtract => string.Join(',', items.Except(given)),
            _ => config.Value,
        };
        return new(config.Name, value);
    }

    private static List<string> SplitList(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}
