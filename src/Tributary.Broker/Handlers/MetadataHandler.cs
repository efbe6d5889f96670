using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Metadata: live brokers (with their racks, v1+), controller, cluster id, and topics with leaders, epochs, replicas, ISR; auto-creates topics.
/// Authorization as Kafka: a request for every topic lists only the topics the principal may DESCRIBE; a named topic
/// it may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED without saying whether it exists (by id: the id is echoed, the
/// name is not); auto-creating a topic needs CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
/// Authorized operations are filled when asked (v8+; the cluster's only in v8-10, and 0 without DESCRIBE on it).
/// </summary>
internal sealed class MetadataHandler : ApiHandler<MetadataRequest>
{
    /// <summary>The first version where a null topic list (not an empty one) asks for every topic.</summary>
    private const short NullMeansAllVersion = 1;

    public override ApiKey ApiKey => ApiKey.Metadata;
    public override short MinVersion => 0;
    public override short MaxVersion => 12;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var response = new MetadataResponse
        {
            ClusterId = cluster.ClusterId,
            ControllerId = cluster.ControllerId,
            Brokers = cluster.LiveBrokers.Select(b => new MetadataResponse.MetadataResponseBroker { NodeId = b.Id, Host = b.Host, Port = b.PortOn(context.Listener), Rack = b.Rack }).ToList(),
        };
        var everyTopic = request.Topics is null || (request.Topics.Count == 0 && context.ApiVersion < NullMeansAllVersion);
        response.Topics = everyTopic
            ? cluster.Topics
                .Where(t => context.Authorize(AclOperation.Describe, AclResourceType.Topic, t.Name))
                .OrderBy(t => t.Name, StringComparer.Ordinal)
                .Select(t => Describe(context, request, t))
                .ToList()
            : request.Topics!.Select(t => Lookup(context, request, t)).ToList();
        if (request.IncludeClusterAuthorizedOperations)
        {
            response.ClusterAuthorizedOperations = context.AuthorizeCluster(AclOperation.Describe)
                ? context.AuthorizedOperations(AclResourceType.Cluster, AclBinding.ClusterResourceName)
                : 0;
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static MetadataResponse.MetadataResponseTopic Lookup(RequestContext context, MetadataRequest request, MetadataRequest.MetadataRequestTopic wanted)
    {
        if (wanted.Name is null)
        {
            if (!context.Cluster.TryGetTopic(wanted.TopicId, out var byId))
                return new() { ErrorCode = (short)ErrorCode.UnknownTopicId, Name = null, TopicId = wanted.TopicId };
            // Topic ids are not secret: Kafka answers with the id, never the name.
            return context.Authorize(AclOperation.Describe, AclResourceType.Topic, byId.Name)
                ? Describe(context, request, byId)
                : new() { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Name = null, TopicId = wanted.TopicId };
        }
        var name = wanted.Name;
        if (!context.Authorize(AclOperation.Describe, AclResourceType.Topic, name))
            return new() { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Name = name };
        if (!context.Cluster.TryGetTopic(name, out _)
            && request.AllowAutoTopicCreation && context.Cluster.Settings.AutoCreateTopics
            && !context.AuthorizeCluster(AclOperation.Create) && !context.Authorize(AclOperation.Create, AclResourceType.Topic, name))
            return new() { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Name = name, IsInternal = TopicState.IsInternalName(name) };
        var found = context.Cluster.GetOrAutoCreate(name, request.AllowAutoTopicCreation);
        return found.Topic is { } existing
            ? Describe(context, request, existing)
            : WithOperations(context, request, new() { ErrorCode = (short)found.Error, Name = name });
    }

    private static MetadataResponse.MetadataResponseTopic Describe(RequestContext context, MetadataRequest request, TopicState topic) =>
        WithOperations(context, request, new()
        {
            Name = topic.Name,
            TopicId = topic.Id,
            IsInternal = topic.IsInternal,
            Partitions = topic.Partitions.Select(p =>
            {
                var leadership = p.Leadership;
                return new MetadataResponse.MetadataResponsePartition
                {
                    ErrorCode = (short)(leadership.Leader == -1 ? ErrorCode.LeaderNotAvailable : ErrorCode.None),
                    PartitionIndex = p.Index,
                    LeaderId = leadership.Leader,
                    LeaderEpoch = leadership.LeaderEpoch,
                    ReplicaNodes = leadership.Replicas.ToList(),
                    IsrNodes = leadership.Isr.ToList(),
                    OfflineReplicas = leadership.OfflineReplicas.ToList(),
                };
            }).ToList(),
        });

    /// <summary>Fills the topic's authorized operations when the request asks (Kafka does so for every topic the principal may describe).</summary>
    private static MetadataResponse.MetadataResponseTopic WithOperations(RequestContext context, MetadataRequest request, MetadataResponse.MetadataResponseTopic topic)
    {
        if (request.IncludeTopicAuthorizedOperations) topic.TopicAuthorizedOperations = context.AuthorizedOperations(AclResourceType.Topic, topic.Name!);
        return topic;
    }
}
