using Tributary.Broker.Network;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Security;

/// <summary>
/// SaslHandshake v0-1 outside the SASL exchange: the exchange itself runs in the connection's
/// <see cref="SaslAuthenticator"/> before any request reaches a handler, so a handshake that gets here came on a
/// listener without SASL or after authentication. As in Kafka, it is answered ILLEGAL_SASL_STATE.
/// </summary>
internal sealed class SaslHandshakeHandler : ApiHandler<SaslHandshakeRequest>
{
    public override ApiKey ApiKey => ApiKey.SaslHandshake;
    public override short MinVersion => 0;
    public override short MaxVersion => SaslAuthenticator.MaxHandshakeVersion;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, SaslHandshakeRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKafkaResponse?>(new SaslHandshakeResponse { ErrorCode = (short)ErrorCode.IllegalSaslState });
}
