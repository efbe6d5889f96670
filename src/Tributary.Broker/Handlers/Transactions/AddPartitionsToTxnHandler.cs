using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// AddPartitionsToTxn v0-3, the producer's call. v4+ is the broker-to-coordinator batched form (KIP-890),
/// which a cluster without inter-broker requests never needs: not served.
/// </summary>
internal sealed class AddPartitionsToTxnHandler : ApiHandler<AddPartitionsToTxnRequest>
{
    private const short ProducerFencedVersion = 2;

    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 3;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request, CancellationToken cancellationToken)
    {
        var requested = request.V3AndBelowTopics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).ToList();
        var unknown = requested.Where(p => context.Cluster.FindPartition(p.Topic, p.Partition) is null).ToHashSet();
        Func<TopicPartition, ErrorCode> errorOf;
        if (unknown.Count > 0)
        {
            // As Kafka: the unknown partitions are named, the others were not attempted.
            errorOf = p => unknown.Contains(p) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted;
        }
        else
        {
            var error = context.Transactions.AddPartitions(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, requested);
            error = ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion);
            errorOf = _ => error;
        }
        var response = new AddPartitionsToTxnResponse
        {
            ResultsByTopicV3AndBelow = request.V3AndBelowTopics.Select(topic => new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult
            {
                Name = topic.Name,
                ResultsByPartition = topic.Partitions.Select(p => new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult
                {
                    PartitionIndex = p,
                    PartitionErrorCode = (short)errorOf(new TopicPartition(topic.Name, p)),
                }).ToList(),
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
