namespace Tributary.Broker.Security.Sasl;

/// <summary>The names of the SASL mechanisms the embedded cluster offers, as clients configure them (<c>sasl.mechanism</c>).</summary>
public static class SaslMechanisms
{
    /// <summary>User name and password in the clear (use it over TLS).</summary>
    public const string Plain = "PLAIN";

    /// <summary>Salted challenge-response with SHA-256 (RFC 5802, RFC 7677).</summary>
    public const string ScramSha256 = "SCRAM-SHA-256";

    /// <summary>Salted challenge-response with SHA-512.</summary>
    public const string ScramSha512 = "SCRAM-SHA-512";

    /// <summary>OAuth 2 bearer tokens (RFC 7628); the embedded cluster accepts Kafka's unsecured JWS tokens when enabled.</summary>
    public const string OAuthBearer = "OAUTHBEARER";
}
