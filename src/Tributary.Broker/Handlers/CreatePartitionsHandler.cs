using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// CreatePartitions: raises topics' partition counts, with or without explicit replica assignments. A topic named
/// twice is INVALID_REQUEST; each other topic needs ALTER (else TOPIC_AUTHORIZATION_FAILED, without a message, as
/// Kafka's controller answers).
/// </summary>
internal sealed class CreatePartitionsHandler : ApiHandler<CreatePartitionsRequest>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var response = new CreatePartitionsResponse();
        foreach (var topic in request.Topics)
        {
            var outcome = duplicates.Contains(topic.Name)
                ? new(ErrorCode.InvalidRequest, $"Topic '{topic.Name}' appears more than once in the request.")
                : !context.Authorize(AclOperation.Alter, AclResourceType.Topic, topic.Name) ? new(ErrorCode.TopicAuthorizationFailed, null)
                : context.Cluster.CreatePartitions(topic.Name, topic.Count,
                    topic.Assignments?.Select(a => (IReadOnlyList<int>)a.BrokerIds).ToList(), request.ValidateOnly);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult
            {
                Name = topic.Name,
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
            });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
