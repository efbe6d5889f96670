using System.Security.Cryptography;
using System.Text;

namespace Tributary.Broker.Security.Sasl;

/// <summary>
/// SASL/PLAIN (RFC 4616): one message <c>[authzid] NUL username NUL password</c>, checked against the configured
/// users. As in Kafka, an authorization id must be empty or the user name itself.
/// </summary>
internal sealed class PlainMechanism(UserCredentials users) : ISaslMechanism
{
    public string Name => SaslMechanisms.Plain;

    public ISaslServer CreateServer() => new Server(users);

    private sealed class Server(UserCredentials users) : ISaslServer
    {
        private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

        public SaslStep Evaluate(ReadOnlySpan<byte> response)
        {
            string[] parts;
            try
            {
                parts = StrictUtf8.GetString(response).Split('\0');
            }
            catch (DecoderFallbackException)
            {
                return SaslStep.Fail("the SASL/PLAIN message is not UTF-8");
            }
            if (parts.Length != 3) return SaslStep.Fail($"a SASL/PLAIN message has 3 parts separated by NUL, this one has {parts.Length}");
            var (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
            if (user.Length == 0) return SaslStep.Fail("username not specified");
            if (password.Length == 0) return SaslStep.Fail("password not specified");
            if (authorizationId.Length > 0 && authorizationId != user)
                return SaslStep.Fail("the client requested an authorization id that is different from the username");
            return users.PlainPasswordMatches(user, password)
                ? SaslStep.Complete(user, [])
                : SaslStep.Fail("Invalid username or password");
        }
    }
}
