using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// InitProducerId for idempotent producers: a new producer id with epoch 0, or (v3+, KIP-360) the same id
/// with the next epoch when the producer asks to bump its epoch. Transactional ids need the transaction
/// coordinator, which does not exist yet: they are refused.
/// </summary>
internal sealed class InitProducerIdHandler : ApiHandler<InitProducerIdRequest>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;
    public override short MinVersion => 0;
    public override short MaxVersion => 5;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        var response = new InitProducerIdResponse();
        if (request.TransactionalId is not null)
        {
            response.ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed;
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
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
