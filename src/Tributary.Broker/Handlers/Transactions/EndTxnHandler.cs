using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// EndTxn v0-4: commit or abort, answered once PrepareCommit or PrepareAbort is committed to <c>__transaction_state</c>
/// (replicated to the in-sync replicas; else COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR, as Kafka) and the markers written. Needs WRITE on the transactional id
/// (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
/// A broker that does not coordinate the transactional id answers NOT_COORDINATOR (after authorization), as Kafka does.
/// </summary>
internal sealed class EndTxnHandler : ApiHandler<EndTxnRequest>
{
    private const short ProducerFencedVersion = 2;

    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.EndTxn;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, EndTxnRequest request, CancellationToken cancellationToken)
    {
        var error = !context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : context.TransactionCoordinatorError(request.TransactionalId) is var notCoordinator and not ErrorCode.None ? notCoordinator
            : await context.Transactions.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed).ConfigureAwait(false);
        return new EndTxnResponse { ErrorCode = (short)ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion) };
    }
}
