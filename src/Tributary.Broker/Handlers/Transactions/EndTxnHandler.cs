using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// EndTxn v0-4: commit or abort; the markers are written before the answer. Needs WRITE on the transactional id
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
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, EndTxnRequest request, CancellationToken cancellationToken)
    {
        var error = !context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : context.TransactionCoordinatorError(request.TransactionalId) is var notCoordinator and not ErrorCode.None ? notCoordinator
            : context.Transactions.EndTransaction(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed);
        return ValueTask.FromResult<IKafkaResponse?>(new EndTxnResponse
        {
            ErrorCode = (short)ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion),
        });
    }
}
