using Tributary.Broker.Groups;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>OffsetDelete v0: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.</summary>
internal sealed class OffsetDeleteHandler : ApiHandler<OffsetDeleteRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.OffsetDelete;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 0;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken)
    {
        var requested = request.Topics
            .SelectMany(topic => topic.Partitions.Select(partition => new OffsetKey(topic.Name, partition.PartitionIndex)))
            .ToList();
        var known = requested.Where(key => context.Cluster.FindPartition(key.Topic, key.Partition) is not null).ToList();
        var result = context.Groups.DeleteOffsets(request.GroupId, known);
        var errorByPartition = new Dictionary<OffsetKey, ErrorCode>();
        foreach (var (key, error) in known.Zip(result.Partitions))
            errorByPartition[key] = error;

        var response = new OffsetDeleteResponse { ErrorCode = (short)result.Error };
        if (result.Error == ErrorCode.None)
        {
            response.Topics = requested
                .GroupBy(key => key.Topic)
                .Select(topic => new OffsetDeleteResponse.OffsetDeleteResponseTopic
                {
                    Name = topic.Key,
                    Partitions = topic.Select(key => new OffsetDeleteResponse.OffsetDeleteResponsePartition
                    {
                        PartitionIndex = key.Partition,
                        ErrorCode = (short)errorByPartition.GetValueOrDefault(key, ErrorCode.UnknownTopicOrPartition),
                    }).ToList(),
                }).ToList();
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
