using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// DescribeTransactions v0: state, producer, timeout and partitions of each transactional id. Each id needs DESCRIBE
/// (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED); the partitions of topics the principal may not DESCRIBE are left out.
/// A broker that does not coordinate the transactional id answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
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
            TransactionStates = request.TransactionalIds.Select(id => Describe(context, id)).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DescribeTransactionsResponse.TransactionStateData Describe(RequestContext context, string transactionalId)
    {
        var state = new DescribeTransactionsResponse.TransactionStateData { TransactionalId = transactionalId };
        if (!context.Authorize(AclOperation.Describe, AclResourceType.TransactionalId, transactionalId))
        {
            state.ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed;
            return state;
        }
        if (transactionalId.Length == 0)
        {
            state.ErrorCode = (short)ErrorCode.InvalidRequest;
            return state;
        }
        if (context.TransactionCoordinatorError(transactionalId) is var notCoordinator and not ErrorCode.None)
        {
            state.ErrorCode = (short)notCoordinator;
            return state;
        }
        if (context.Transactions.Describe(transactionalId) is not { } description)
        {
            state.ErrorCode = (short)ErrorCode.TransactionalIdNotFound;
            return state;
        }
        state.TransactionState = description.State.ToString();
        state.TransactionTimeoutMs = description.TimeoutMs;
        state.TransactionStartTimeMs = description.StartTimeMs;
        state.ProducerId = description.ProducerId;
        state.ProducerEpoch = description.ProducerEpoch;
        state.Topics = description.Partitions
            .Where(p => context.Authorize(AclOperation.Describe, AclResourceType.Topic, p.Topic))
            .GroupBy(p => p.Topic)
            .Select(topic => new DescribeTransactionsResponse.TopicData { Topic = topic.Key, Partitions = topic.Select(p => p.Partition).ToList() })
            .ToList();
        return state;
    }
}
