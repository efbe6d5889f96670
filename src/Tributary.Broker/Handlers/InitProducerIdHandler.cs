using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// InitProducerId. Idempotent producers get a new producer id with epoch 0, or (v3+, KIP-360) the same id
/// with the next epoch when they ask to bump theirs. Transactional ids go to the transaction coordinator.
/// Authorization as Kafka 3.x: a transactional id needs WRITE on it (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
/// an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on at least one topic (KIP-679), else
/// CLUSTER_AUTHORIZATION_FAILED.
/// A broker that does not coordinate the transactional id answers NOT_COORDINATOR (after authorization), as Kafka does.
/// A transactional id is answered once its new epoch is committed to <c>__transaction_state</c> (see TransactionCoordinator).
/// </summary>
internal sealed class InitProducerIdHandler : ApiHandler<InitProducerIdRequest>
{
    private const short ProducerFencedVersion = 4;

    public override ApiKey ApiKey => ApiKey.InitProducerId;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        var response = new InitProducerIdResponse();
        var denied = request.TransactionalId is { } id
            ? context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, id) ? context.TransactionCoordinatorError(id) : ErrorCode.TransactionalIdAuthorizationFailed
            : context.AuthorizeCluster(AclOperation.IdempotentWrite) || context.AuthorizeAny(AclOperation.Write, AclResourceType.Topic) ? ErrorCode.None : ErrorCode.ClusterAuthorizationFailed;
        if (denied != ErrorCode.None)
        {
            response.ErrorCode = (short)denied;
            response.ProducerEpoch = -1;
        }
        else if (request.TransactionalId is not null)
        {
            var result = await context.Transactions.InitProducerIdAsync(request.TransactionalId, request.TransactionTimeoutMs, request.ProducerId, request.ProducerEpoch).ConfigureAwait(false);
            response.ErrorCode = (short)Transactions.ProducerFencedCompatibility.ForVersion(result.Error, context.ApiVersion, ProducerFencedVersion);
            response.ProducerId = result.ProducerId;
            response.ProducerEpoch = result.ProducerEpoch;
        }
        else if (request.ProducerId >= 0 && request.ProducerEpoch >= 0 && request.ProducerEpoch < short.MaxValue - 1)
        {
            response.ProducerId = request.ProducerId;
            response.ProducerEpoch = (short)(request.ProducerEpoch + 1);
        }
        else
        {
            response.ProducerId = context.Cluster.NextProducerId();
        }
        return response;
    }
}
