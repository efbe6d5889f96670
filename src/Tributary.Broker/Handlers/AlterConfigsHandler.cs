using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// AlterConfigs: replaces a topic's whole set of overrides, or the whole set of dynamic cluster-wide broker
/// defaults (configs not named go back to their defaults; see <see cref="ConfigAlteration"/>). Needs ALTER_CONFIGS
/// on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for brokers, on the cluster. Before that, Kafka's preprocessing
/// refuses a resource alone with INVALID_REQUEST (see <see cref="ConfigAlteration.Preprocess"/>): named twice, a config
/// named twice or without a value, or a resource type AlterConfigs does not know ("Unknown resource type N": one Kafka
/// does not define, e.g. Sarama 1.22's broker type 5, and BROKER_LOGGER, which AlterConfigs never supported).
/// </summary>
internal sealed class AlterConfigsHandler : ApiHandler<AlterConfigsRequest>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new AlterConfigsResponse();
        var refused = ConfigAlteration.Preprocess(request.Resources
            .Select(r => new ConfigAlteration.Resource(r.ResourceType, r.ResourceName, r.Configs.Select(c => c.Name).ToList(),
                r.Configs.Where(c => c.Value is null).Select(c => c.Name)))
            .ToList(), brokerLoggerAllowed: false);
        foreach (var (resource, index) in request.Resources.Select((r, i) => (r, i)))
        {
            var (error, message) = refused.TryGetValue(index, out var refusal) ? refusal : ConfigAlteration.Apply(context, resource.ResourceType, resource.ResourceName,
                current => current.SetNames
                    .Where(name => resource.Configs.All(c => c.Name != name))
                    .Select(name => new KeyValuePair<string, string?>(name, null))
                    .Concat(resource.Configs.Select(c => new KeyValuePair<string, string?>(c.Name, c.Value))),
                request.ValidateOnly);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
