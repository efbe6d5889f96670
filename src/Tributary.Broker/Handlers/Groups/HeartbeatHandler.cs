using Tributary.Broker.Groups;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>Heartbeat v0-4.</summary>
internal sealed class HeartbeatHandler : ApiHandler<HeartbeatRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var error = context.Groups.Heartbeat(new HeartbeatCommand(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId));
        return ValueTask.FromResult<IKafkaResponse?>(new HeartbeatResponse { ErrorCode = (short)error });
    }
}
