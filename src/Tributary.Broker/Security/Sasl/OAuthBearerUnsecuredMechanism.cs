using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tributary.Broker.Security.Sasl;

/// <summary>
/// SASL/OAUTHBEARER (RFC 7628) with Kafka's unsecured JWS validation (OAuthBearerUnsecuredValidatorCallbackHandler),
/// for tests: the token is an unsigned JWT (<c>alg</c> "none", empty signature) as librdkafka's
/// <c>sasl.oauthbearer.config=principal=alice</c> makes it; its <c>sub</c> claim is the principal and its <c>exp</c>
/// claim must be in the future (no clock skew allowed, as Kafka's default).
/// </summary>
/// <remarks>
/// As RFC 7628 and Kafka have it, a bad token is answered first with the error challenge
/// <c>{"status":"invalid_token"}</c>; the client acknowledges it with a lone 0x01 and then gets
/// SASL_AUTHENTICATION_FAILED with the reason. A client message that is not an OAUTHBEARER initial response fails at once.
/// </remarks>
internal sealed class OAuthBearerUnsecuredMechanism(TimeProvider time) : ISaslMechanism
{
    public string Name => SaslMechanisms.OAuthBearer;

    public ISaslServer CreateServer() => new Server(time);

    private sealed class Server(TimeProvider time) : ISaslServer
    {
        private const char Separator = '\u0001';
        private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
        private static readonly byte[] InvalidTokenChallenge = """{"status":"invalid_token"}"""u8.ToArray();

        private string? _pendingFailure; // set once the error challenge went out
        private bool _done;

        public SaslStep Evaluate(ReadOnlySpan<byte> response)
        {
            if (_done) return SaslStep.Fail("the OAUTHBEARER exchange is already over");
            if (_pendingFailure is not null)
            {
                _done = true;
                return SaslStep.Fail(_pendingFailure);
            }
            string message;
            try
            {
                message = StrictUtf8.GetString(response);
            }
            catch (DecoderFallbackException)
            {
                _done = true;
                return SaslStep.Fail("the OAUTHBEARER message is not UTF-8");
            }
            if (!TryParseInitialResponse(message, out var authorizationId, out var token, out var malformed))
            {
                _done = true;
                return SaslStep.Fail(malformed);
            }
            var (subject, invalid) = Validate(token);
            if (subject is not null && authorizationId.Length > 0 && authorizationId != subject)
                (subject, invalid) = (null, $"the client requested an authorization id ({authorizationId}) that is different from the token's principal name ({subject})");
            if (subject is null)
            {
                _pendingFailure = invalid;
                return SaslStep.Continue(InvalidTokenChallenge);
            }
            _done = true;
            return SaslStep.Complete(subject, []);
        }

        /// <summary>gs2-header kvsep *(key=value kvsep) kvsep, with an <c>auth=Bearer token</c> pair.</summary>
        private static bool TryParseInitialResponse(string message, out string authorizationId, out string token, out string error)
        {
            authorizationId = token = error = "";
            var parts = message.Split(Separator);
            // "n,[a=id]," then the pairs, then two separators at the end (two empty parts).
            if (parts.Length < 4 || parts[^1].Length != 0 || parts[^2].Length != 0 || !parts[0].StartsWith("n,", StringComparison.Ordinal) || !parts[0].EndsWith(',')
                || parts[0].Length < 3)
            {
                error = "not an OAUTHBEARER initial client response (n,[a=authzid],^Aauth=Bearer <token>^A^A)";
                return false;
            }
            var authorizationPart = parts[0][2..^1];
            if (authorizationPart.Length > 0)
            {
                if (!authorizationPart.StartsWith("a=", StringComparison.Ordinal))
                {
                    error = "the GS2 header's authorization id must be written a=<id>";
                    return false;
                }
                authorizationId = authorizationPart[2..];
            }
            foreach (var pair in parts[1..^2])
            {
                if (pair.StartsWith("auth=Bearer ", StringComparison.OrdinalIgnoreCase)) token = pair["auth=Bearer ".Length..].Trim();
                else if (!pair.Contains('='))
                {
                    error = "the OAUTHBEARER key-value pairs must be written key=value";
                    return false;
                }
            }
            if (token.Length == 0)
            {
                error = "the OAUTHBEARER initial client response has no auth=Bearer token";
                return false;
            }
            return true;
        }

        /// <summary>The token's subject, or null and why the token is refused.</summary>
        private (string? Subject, string Error) Validate(string token)
        {
            var segments = token.Split('.');
            if (segments.Length != 3) return (null, "the token is not a compact JWS (header.payload.signature)");
            if (segments[2].Length != 0) return (null, "the token is signed; only unsecured tokens (alg none, empty signature) are accepted");
            try
            {
                using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(segments[0]));
                if (!header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "none")
                    return (null, "the token's header must have \"alg\":\"none\"");
                using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(segments[1]));
                var claims = payload.RootElement;
                if (claims.ValueKind != JsonValueKind.Object) return (null, "the token's payload is not a JSON object");
                if (!claims.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(sub.GetString()))
                    return (null, "the token has no sub claim (the principal name)");
                if (!claims.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number)
                    return (null, "the token has no numeric exp claim (its expiration time)");
                var expiresMs = exp.GetDouble() * 1000;
                var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (nowMs >= expiresMs)
                    return (null, $"the token expired at {DateTimeOffset.FromUnixTimeMilliseconds((long)expiresMs).ToString("O", CultureInfo.InvariantCulture)}");
                if (claims.TryGetProperty("iat", out var iat))
                {
                    if (iat.ValueKind != JsonValueKind.Number) return (null, "the token's iat claim is not a number");
                    if (iat.GetDouble() * 1000 > expiresMs) return (null, "the token's iat claim is after its exp claim");
                }
                return (sub.GetString(), "");
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                return (null, "the token's header or payload is not base64url-encoded JSON");
            }
        }
    }
}
