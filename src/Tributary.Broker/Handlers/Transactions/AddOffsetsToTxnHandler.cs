using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// AddOffsetsToTxn v0-4: the transaction will commit offsets of a consumer group. Needs WRITE on the transactional id
/// (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group (else GROUP_AUTHORIZATION_FAILED).
/// A broker that does not coordinate the transactional id answers NOT_COORDINATOR (after authorization), as Kafka does.
/// Answered once the group's partition is committed to the transaction's record in <c>__transaction_state</c>.
/// </summary>
internal sealed class AddOffsetsToTxnHandler : ApiHandler<AddOffsetsToTxnRequest>
{
    private const short ProducerFencedVersion = 2;

    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request, CancellationToken cancellationToken)
    {
        var error = !context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : !context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId) ? ErrorCode.GroupAuthorizationFailed
            : context.TransactionCoordinatorError(request.TransactionalId) is var notCoordinator and not ErrorCode.None ? notCoordinator
            : request.GroupId.Length == 0
            ? ErrorCode.InvalidGroupId
            : await context.Transactions.AddOffsetsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId).ConfigureAwait(false);
        return new AddOffsetsToTxnResponse { ErrorCode = (short)ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion) };
    }
}
