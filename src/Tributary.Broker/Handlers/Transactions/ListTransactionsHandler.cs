using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// ListTransactions v0-1: every transactional id, filtered by state, producer id and (v1) running time; only the ids
/// the principal may DESCRIBE are listed, and each broker lists the ids it coordinates, as in Kafka.
/// </summary>
internal sealed class ListTransactionsHandler : ApiHandler<ListTransactionsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.ListTransactions;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 1;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ListTransactionsRequest request, CancellationToken cancellationToken)
    {
        var states = new List<TransactionState>();
        var unknownStates = new List<string>();
        foreach (var name in request.StateFilters)
        {
            if (Enum.TryParse<TransactionState>(name, ignoreCase: false, out var state) && Enum.IsDefined(state)) states.Add(state);
            else unknownStates.Add(name);
        }
        var listings = context.Transactions.List(states, request.ProducerIdFilters, TimeSpan.FromMilliseconds(request.DurationFilter));
        // Filters that only named unknown states match nothing, as in Kafka.
        if (states.Count == 0 && unknownStates.Count > 0) listings = [];
        var response = new ListTransactionsResponse
        {
            UnknownStateFilters = unknownStates,
            TransactionStates = listings.Where(t => context.TransactionCoordinatorError(t.TransactionalId) == ErrorCode.None && context.Authorize(AclOperation.Describe, AclResourceType.TransactionalId, t.TransactionalId)).Select(t => new ListTransactionsResponse.TransactionStateData
            {
                TransactionalId = t.TransactionalId,
                ProducerId = t.ProducerId,
                TransactionState = t.State.ToString(),
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
