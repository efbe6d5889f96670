using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// DescribeProducers v0: the producers of each partition led here, with their open transactions. Each topic needs
/// READ (else its partitions get TOPIC_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class DescribeProducersHandler : ApiHandler<DescribeProducersRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DescribeProducers;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 0;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse
        {
            Topics = request.Topics.Select(topic => new DescribeProducersResponse.TopicResponse
            {
                Name = topic.Name,
                Partitions = topic.PartitionIndexes.Select(index => Describe(context, topic.Name, index)).ToList(),
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DescribeProducersResponse.PartitionResponse Describe(RequestContext context, string topic, int index)
    {
        var result = new DescribeProducersResponse.PartitionResponse { PartitionIndex = index };
        if (!context.Authorize(AclOperation.Read, AclResourceType.Topic, topic))
        {
            result.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
            result.ErrorMessage = AuthorizationMessages.Of(ErrorCode.TopicAuthorizationFailed);
            return result;
        }
        var error = PartitionLookup.FindLed(context, PartitionLookup.Topic(context, topic), index, -1, out var partition);
        result.ErrorCode = (short)error;
        if (error != ErrorCode.None) return result;
        result.ActiveProducers = partition!.ReplicaLog(context.Broker.Id).DescribeProducers().Select(p => new DescribeProducersResponse.ProducerState
        {
            ProducerId = p.ProducerId,
            ProducerEpoch = p.Epoch,
            LastSequence = p.LastSequence,
            LastTimestamp = p.LastTimestamp,
            CoordinatorEpoch = p.CoordinatorEpoch,
            CurrentTxnStartOffset = p.CurrentTransactionStartOffset,
        }).ToList();
        return result;
    }
}
