using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>DeleteTopics: by name, or (v6+) by name or topic id.</summary>
internal sealed class DeleteTopicsHandler : ApiHandler<DeleteTopicsRequest>
{
    private const short TopicIdVersion = 6;

    public override ApiKey ApiKey => ApiKey.DeleteTopics;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        var wanted = context.ApiVersion >= TopicIdVersion
            ? request.Topics.Select(t => (t.Name, t.TopicId))
            : request.TopicNames.Select(name => ((string?)name, Guid.Empty));
        var response = new DeleteTopicsResponse
        {
            Responses = wanted.Select(t => Delete(context, t.Item1, t.Item2)).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DeleteTopicsResponse.DeletableTopicResult Delete(RequestContext context, string? name, Guid id)
    {
        var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
        if (name is null)
        {
            if (!context.Cluster.TryGetTopic(id, out var topic))
            {
                result.ErrorCode = (short)ErrorCode.UnknownTopicId;
                return result;
            }
            result.Name = name = topic.Name;
        }
        var outcome = context.Cluster.DeleteTopic(name);
        result.ErrorCode = (short)outcome.Error;
        result.ErrorMessage = outcome.Message;
        if (outcome.Topic is { } deleted) result.TopicId = deleted.Id;
        return result;
    }
}
