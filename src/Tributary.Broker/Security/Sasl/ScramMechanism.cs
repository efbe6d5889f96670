using System.Security.Cryptography;
using System.Text;

namespace Tributary.Broker.Security.Sasl;

/// <summary>
/// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka serves them: no channel binding, the client's
/// nonce extended by the server's, the client proof checked against the stored key, and the server signature sent
/// back so the client knows the broker holds its credential.
/// </summary>
/// <remarks>
/// <para>librdkafka before 2.6.1 (librdkafka#4895) echoes the client nonce in front of the server's whole nonce
/// (client nonce twice); Kafka 3.8.1 to 3.9 accept that, and so does this server, because kcat and
/// confluent-kafka-python still ship such versions. Any other nonce fails.</para>
/// <para>An unknown user gets a server-first message like any other (a salt derived from the name, the usual iteration
/// count) and fails at the proof with the same message as a wrong password, so neither the timing nor the answer
/// says whether the user exists. (Kafka fails at the first message instead.)</para>
/// </remarks>
internal sealed class ScramMechanism(ScramAlgorithm algorithm, UserCredentials users) : ISaslMechanism
{
    /// <summary>Secret of this process, for the made-up salts of unknown users.</summary>
    private static readonly byte[] UnknownUserSaltKey = RandomNumberGenerator.GetBytes(32);

    public string Name => algorithm.Mechanism;

    public ISaslServer CreateServer() => new Server(algorithm, users);

    private sealed class Server(ScramAlgorithm algorithm, UserCredentials users) : ISaslServer
    {
        private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
        private const string InvalidCredentials = "invalid credentials";

        private bool _firstReceived;
        private bool _done;
        private string _gs2Header = "";
        private string _clientFirstBare = "";
        private string _serverFirst = "";
        private string _clientNonce = "";
        private string _nonce = "";
        private string _user = "";
        private ScramCredential _credential = null!;

        public SaslStep Evaluate(ReadOnlySpan<byte> response)
        {
            if (_done) return SaslStep.Fail("the SCRAM exchange is already over");
            string message;
            try
            {
                message = StrictUtf8.GetString(response);
            }
            catch (DecoderFallbackException)
            {
                return Finish(SaslStep.Fail("the SCRAM message is not UTF-8"));
            }
            if (_firstReceived) return Finish(ClientFinal(message));
            _firstReceived = true;
            var step = ClientFirst(message);
            return step.Kind == SaslStepKind.Fail ? Finish(step) : step;
        }

        private SaslStep Finish(SaslStep step)
        {
            _done = true;
            return step;
        }

        /// <summary>client-first-message = gs2-header client-first-message-bare, where gs2-header = "n," [ "a=" saslname ] ",".</summary>
        private SaslStep ClientFirst(string message)
        {
            if (message.StartsWith("p=", StringComparison.Ordinal)) return SaslStep.Fail("channel binding is not supported");
            if (!message.StartsWith("n,", StringComparison.Ordinal) && !message.StartsWith("y,", StringComparison.Ordinal))
                return SaslStep.Fail("the client-first message must start with a GS2 header \"n,\"");
            var headerEnd = message.IndexOf(',', 2);
            if (headerEnd < 0) return SaslStep.Fail("the client-first message's GS2 header is not terminated");
            var authorizationPart = message[2..headerEnd];
            _gs2Header = message[..(headerEnd + 1)];
            _clientFirstBare = message[(headerEnd + 1)..];

            var attributes = _clientFirstBare.Split(',');
            if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
                return SaslStep.Fail("the client-first message must hold n=<user>,r=<nonce>");
            if (attributes.Skip(2).Any(a => a.StartsWith("m=", StringComparison.Ordinal))) return SaslStep.Fail("mandatory SCRAM extensions are not supported");
            var user = DecodeSaslName(attributes[0][2..]);
            if (user is null || user.Length == 0) return SaslStep.Fail("the user name is empty or wrongly escaped (',' is =2C and '=' is =3D)");
            if (authorizationPart.Length > 0)
            {
                if (!authorizationPart.StartsWith("a=", StringComparison.Ordinal) || DecodeSaslName(authorizationPart[2..]) != user)
                    return SaslStep.Fail("the client requested an authorization id that is different from the username");
            }
            var clientNonce = attributes[1][2..];
            if (clientNonce.Length == 0 || clientNonce.Any(c => c is < '!' or > '~' || c == ','))
                return SaslStep.Fail("the client nonce is empty or has characters other than printable ASCII");

            _user = user;
            // An unknown user gets random keys that no proof matches.
            _credential = users.Scram(user, algorithm) ?? new ScramCredential(
                HMACSHA256.HashData(UnknownUserSaltKey, Encoding.UTF8.GetBytes(algorithm.Mechanism + "\0" + user)),
                RandomNumberGenerator.GetBytes(algorithm.KeyLength), RandomNumberGenerator.GetBytes(algorithm.KeyLength), ScramAlgorithm.MinIterations);
            _clientNonce = clientNonce;
            _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
            _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
            return SaslStep.Continue(Encoding.UTF8.GetBytes(_serverFirst));
        }

        /// <summary>client-final-message = "c=" base64(gs2-header) ",r=" nonce ["," extensions] ",p=" base64(proof).</summary>
        private SaslStep ClientFinal(string message)
        {
            var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
            if (proofAt < 0) return SaslStep.Fail("the client-final message has no proof");
            var withoutProof = message[..proofAt];
            var attributes = withoutProof.Split(',');
            if (attributes.Length < 2 || !attributes[0].StartsWith("c=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
                return SaslStep.Fail("the client-final message must start with c=<binding>,r=<nonce>");
            if (attributes[0][2..] != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
                return SaslStep.Fail("the channel binding in the client-final message does not match the client-first message's GS2 header");
            var nonce = attributes[1][2..];
            if (nonce != _nonce && nonce != _clientNonce + _nonce)
                return SaslStep.Fail("invalid nonce in the client-final message (it must be the server-first message's nonce)");

            byte[] proof;
            try
            {
                proof = Convert.FromBase64String(message[(proofAt + 3)..]);
            }
            catch (FormatException)
            {
                return SaslStep.Fail("the client proof is not base64");
            }
            if (proof.Length != algorithm.KeyLength) return SaslStep.Fail($"the client proof must be {algorithm.KeyLength} bytes for {algorithm.Mechanism}");

            var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
            var clientSignature = algorithm.Hmac(_credential.StoredKey, authMessage);
            var clientKey = new byte[proof.Length];
            for (var i = 0; i < clientKey.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
            if (!CryptographicOperations.FixedTimeEquals(algorithm.HashOf(clientKey), _credential.StoredKey)) return SaslStep.Fail(InvalidCredentials);

            var serverSignature = algorithm.Hmac(_credential.ServerKey, authMessage);
            return SaslStep.Complete(_user, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
        }

        /// <summary>Undoes saslname escaping (=2C for ',', =3D for '='); null when another '=' sequence appears.</summary>
        private static string? DecodeSaslName(string name)
        {
            if (!name.Contains('=')) return name;
            var decoded = new StringBuilder(name.Length);
            for (var i = 0; i < name.Length; i++)
            {
                if (name[i] != '=')
                {
                    decoded.Append(name[i]);
                    continue;
                }
                if (i + 2 >= name.Length) return null;
                var escape = name.Substring(i + 1, 2);
                if (escape == "2C") decoded.Append(',');
                else if (escape == "3D") decoded.Append('=');
                else return null;
                i += 2;
            }
            return decoded.ToString();
        }
    }
}
