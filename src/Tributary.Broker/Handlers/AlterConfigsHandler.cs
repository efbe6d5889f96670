using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// AlterConfigs: replaces a topic's whole set of overrides, or the whole set of dynamic cluster-wide broker
/// defaults (configs not named go back to their defaults; see <see cref="ConfigAlteration"/>). Needs ALTER_CONFIGS
/// on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for brokers, on the cluster.
/// </summary>
internal sealed class AlterConfigsHandler : ApiHandler<AlterConfigsRequest>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var (error, message) = ConfigAlteration.Apply(context, resource.ResourceType, resource.ResourceName,
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
