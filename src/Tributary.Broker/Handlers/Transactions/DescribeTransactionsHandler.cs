using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>DescribeTransactions v0: state, producer, timeout and partitions of each transactional id.</summary>
internal sealed class DescribeTransactionsHandler : ApiHandler<DescribeTransactionsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DescribeTransactions;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 0;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeTransactionsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeTransactionsResponse
        {
            TransactionStates = request.TransactionalIds.Select(id => Describe(context.Transactions, id)).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DescribeTransactionsResponse.TransactionStateData Describe(TransactionCoordinator coordinator, string transactionalId)
    {
        var state = new DescribeTransactionsResponse.TransactionStateData { TransactionalId = transactionalId };
        if (transactionalId.Length == 0)
        {
            state.ErrorCode = (short)ErrorCode.InvalidRequest;
            return state;
        }
        if (coordinator.Describe(transactionalId) is not { } description)
        {
            state.ErrorCode = (short)ErrorCode.TransactionalIdNotFound;
            return state;
        }
        state.TransactionState = description.State.ToString();
        state.TransactionTimeoutMs = description.TimeoutMs;
        state.TransactionStartTimeMs = description.StartTimeMs;
        state.ProducerId = description.ProducerId;
        state.ProducerEpoch = description.ProducerEpoch;
        state.Topics = description.Partitions.GroupBy(p => p.Topic)
            .Select(topic => new DescribeTransactionsResponse.TopicData { Topic = topic.Key, Partitions = topic.Select(p => p.Partition).ToList() })
            .ToList();
        return state;
    }
}
