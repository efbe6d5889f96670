using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DeleteTopics: by name, or (v6+) by name or topic id. Authorization as Kafka's controller: DELETE on the cluster
/// allows every topic; otherwise a topic named by name needs DESCRIBE (else TOPIC_AUTHORIZATION_FAILED, whether or not
/// it exists) and, when it exists, DELETE; a topic named by a known id needs DELETE, and its name is only echoed to a
/// principal that may DESCRIBE it.
/// </summary>
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
        var clusterDelete = context.AuthorizeCluster(AclOperation.Delete);
        var response = new DeleteTopicsResponse
        {
            Responses = wanted.Select(t => Delete(context, clusterDelete, t.Item1, t.Item2)).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DeleteTopicsResponse.DeletableTopicResult Delete(RequestContext context, bool clusterDelete, string? name, Guid id)
    {
        var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
        bool May(AclOperation operation, string topic) => clusterDelete || context.Authorize(operation, AclResourceType.Topic, topic);
        if (name is null)
        {
            if (!context.Cluster.TryGetTopic(id, out var topic))
            {
                result.ErrorCode = (short)ErrorCode.UnknownTopicId;
                return result;
            }
            name = topic.Name;
            if (!May(AclOperation.Delete, name))
            {
                result.Name = May(AclOperation.Describe, name) ? name : null;
                return Denied(result);
            }
            result.Name = name;
        }
        else if (!May(AclOperation.Describe, name) || (context.Cluster.TryGetTopic(name, out _) && !May(AclOperation.Delete, name)))
        {
            return Denied(result);
        }
        var outcome = context.Cluster.DeleteTopic(name);
        result.ErrorCode = (short)outcome.Error;
        result.ErrorMessage = outcome.Message;
        if (outcome.Topic is { } deleted) result.TopicId = deleted.Id;
        return result;
    }

    private static DeleteTopicsResponse.DeletableTopicResult Denied(DeleteTopicsResponse.DeletableTopicResult result)
    {
        result.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
        result.ErrorMessage = AuthorizationMessages.Of(ErrorCode.TopicAuthorizationFailed);
        return result;
    }
}
