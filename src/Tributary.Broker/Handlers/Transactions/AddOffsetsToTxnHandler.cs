using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>AddOffsetsToTxn v0-4: the transaction will commit offsets of a consumer group.</summary>
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
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request, CancellationToken cancellationToken)
    {
        var error = request.GroupId.Length == 0
            ? ErrorCode.InvalidGroupId
            : context.Transactions.AddOffsets(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId);
        return ValueTask.FromResult<IKafkaResponse?>(new AddOffsetsToTxnResponse
        {
            ErrorCode = (short)ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion),
        });
    }
}
