using Tributary.Broker.Network;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Security;

/// <summary>
/// SaslAuthenticate v0-2 outside the SASL exchange (on a listener without SASL, or after authentication; the
/// exchange itself is the connection's <see cref="SaslAuthenticator"/>): ILLEGAL_SASL_STATE, as in Kafka.
/// Re-authentication (KIP-368) is not offered: responses carry a session lifetime of 0.
/// </summary>
internal sealed class SaslAuthenticateHandler : ApiHandler<SaslAuthenticateRequest>
{
    public override ApiKey ApiKey => ApiKey.SaslAuthenticate;
    public override short MinVersion => 0;
    public override short MaxVersion => SaslAuthenticator.MaxAuthenticateVersion;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, SaslAuthenticateRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKafkaResponse?>(new SaslAuthenticateResponse
        {
            ErrorCode = (short)ErrorCode.IllegalSaslState,
            ErrorMessage = "SaslAuthenticate is only valid during SASL authentication on a SASL listener.",
        });
}
