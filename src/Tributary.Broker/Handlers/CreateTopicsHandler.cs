using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// CreateTopics: creates topics (or validates only) with partitions, replication factor or explicit assignments, and
/// configs. A topic named twice is INVALID_REQUEST; each other topic needs CREATE on the cluster or on the topic
/// (else TOPIC_AUTHORIZATION_FAILED, "Authorization failed."). From v5 the result repeats the topic's details only
/// for a principal that may DESCRIBE_CONFIGS it; for others topic_config_error_code is TOPIC_AUTHORIZATION_FAILED.
/// </summary>
internal sealed class CreateTopicsHandler : ApiHandler<CreateTopicsRequest>
{
    /// <summary>From this version a result repeats the topic's partition count, replication factor and configs.</summary>
    private const short DetailsVersion = 5;

    public override ApiKey ApiKey => ApiKey.CreateTopics;
    public override short MinVersion => 0;
    public override short MaxVersion => 7;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var response = new CreateTopicsResponse();
        var clusterCreate = context.AuthorizeCluster(AclOperation.Create);
        foreach (var wanted in request.Topics)
        {
            var result = new CreateTopicsResponse.CreatableTopicResult { Name = wanted.Name, ErrorMessage = null };
            var outcome = duplicates.Contains(wanted.Name)
                ? ControllerResult.Fail(ErrorCode.InvalidRequest, $"Topic '{wanted.Name}' appears more than once in the request.")
                : !clusterCreate && !context.Authorize(AclOperation.Create, AclResourceType.Topic, wanted.Name)
                    ? ControllerResult.Fail(ErrorCode.TopicAuthorizationFailed, "Authorization failed.")
                    : context.Cluster.CreateTopic(Spec(wanted), request.ValidateOnly);
            result.ErrorCode = (short)outcome.Error;
            result.ErrorMessage = outcome.Message;
            if (outcome.Error == ErrorCode.None && context.ApiVersion >= DetailsVersion)
            {
                if (context.Authorize(AclOperation.DescribeConfigs, AclResourceType.Topic, wanted.Name)) Describe(result, outcome.Topic, wanted, context.Cluster.Settings);
                else (result.TopicId, result.TopicConfigErrorCode) = (outcome.Topic?.Id ?? Guid.Empty, (short)ErrorCode.TopicAuthorizationFailed);
            }
            response.Topics.Add(result);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static TopicSpec Spec(CreateTopicsRequest.CreatableTopic wanted) => new(
        wanted.Name,
        wanted.NumPartitions,
        wanted.ReplicationFactor,
        wanted.Assignments.Count == 0 ? null : wanted.Assignments.OrderBy(a => a.PartitionIndex).Select(a => (IReadOnlyList<int>)a.BrokerIds).ToList(),
        wanted.Configs.ToDictionary(c => c.Name, c => c.Value));

    /// <summary>Fills in what the topic got; for validate-only, what it would have got.</summary>
    private static void Describe(CreateTopicsResponse.CreatableTopicResult result, TopicState? topic, CreateTopicsRequest.CreatableTopic wanted, ClusterSettings settings)
    {
        var config = topic?.Config ?? settings.TopicDefaults.With(wanted.Configs.Select(c => new KeyValuePair<string, string?>(c.Name, c.Value)));
        result.TopicId = topic?.Id ?? Guid.Empty;
        result.NumPartitions = topic?.Partitions.Count
            ?? (wanted.Assignments.Count > 0 ? wanted.Assignments.Count : wanted.NumPartitions == -1 ? settings.DefaultPartitions : wanted.NumPartitions);
        result.ReplicationFactor = (short)(topic?.Partitions[0].Leadership.TargetReplicas.Count
            ?? (wanted.Assignments.Count > 0 ? wanted.Assignments[0].BrokerIds.Count : wanted.ReplicationFactor == -1 ? settings.DefaultReplicationFactor : wanted.ReplicationFactor));
        result.Configs = config.Describe().Select(c => new CreateTopicsResponse.CreatableTopicConfigs
        {
            Name = c.Definition.Name,
            Value = c.Value,
            ReadOnly = c.Definition.ReadOnly,
            ConfigSource = (sbyte)c.Source,
        }).ToList();
    }
}
