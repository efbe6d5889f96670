using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>Metadata: live brokers, controller, cluster id, and topics with leaders, epochs, replicas, ISR; auto-creates topics.</summary>
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
            Brokers = cluster.LiveBrokers.Select(b => new MetadataResponse.MetadataResponseBroker { NodeId = b.Id, Host = b.Host, Port = b.PortOn(context.Listener) }).ToList(),
        };
        var everyTopic = request.Topics is null || (request.Topics.Count == 0 && context.ApiVersion < NullMeansAllVersion);
        response.Topics = everyTopic
            ? cluster.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(Describe).ToList()
            : request.Topics!.Select(t => Lookup(context, request, t)).ToList();
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static MetadataResponse.MetadataResponseTopic Lookup(RequestContext context, MetadataRequest request, MetadataRequest.MetadataRequestTopic wanted)
    {
        if (wanted.Name is null)
        {
            return context.Cluster.TryGetTopic(wanted.TopicId, out var byId)
                ? Describe(byId)
                : new() { ErrorCode = (short)ErrorCode.UnknownTopicId, Name = null, TopicId = wanted.TopicId };
        }
        var found = context.Cluster.GetOrAutoCreate(wanted.Name, request.AllowAutoTopicCreation);
        return found.Topic is { } topic ? Describe(topic) : new() { ErrorCode = (short)found.Error, Name = wanted.Name };
    }

    private static MetadataResponse.MetadataResponseTopic Describe(TopicState topic) => new()
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
    };
}
