namespace Tributary.Broker;

/// <summary>
/// How clients connect to a listener (Kafka's <c>security.protocol</c>): with or without TLS, with or without SASL.
/// </summary>
public enum KafkaSecurityProtocol
{
    /// <summary>Plain TCP, no authentication: every client is <c>User:ANONYMOUS</c>.</summary>
    Plaintext,

    /// <summary>TLS; with client authentication the principal is the client certificate's subject.</summary>
    Ssl,

    /// <summary>Plain TCP, then SASL authentication before any other request.</summary>
    SaslPlaintext,

    /// <summary>TLS, then SASL authentication before any other request.</summary>
    SaslSsl,
}

/// <summary>Kafka's names and properties of <see cref="KafkaSecurityProtocol"/> values.</summary>
public static class KafkaSecurityProtocolExtensions
{
    /// <summary>The name clients use in <c>security.protocol</c>, e.g. <c>SASL_SSL</c>.</summary>
    public static string ToKafkaName(this KafkaSecurityProtocol protocol) => protocol switch
    {
        KafkaSecurityProtocol.Plaintext => "PLAINTEXT",
        KafkaSecurityProtocol.Ssl => "SSL",
        KafkaSecurityProtocol.SaslPlaintext => "SASL_PLAINTEXT",
        KafkaSecurityProtocol.SaslSsl => "SASL_SSL",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    /// <summary>Parses a Kafka name such as <c>SASL_SSL</c> (case-insensitive).</summary>
    /// <exception cref="FormatException">Not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL.</exception>
    public static KafkaSecurityProtocol Parse(string name) => name.ToUpperInvariant() switch
    {
        "PLAINTEXT" => KafkaSecurityProtocol.Plaintext,
        "SSL" => KafkaSecurityProtocol.Ssl,
        "SASL_PLAINTEXT" => KafkaSecurityProtocol.SaslPlaintext,
        "SASL_SSL" => KafkaSecurityProtocol.SaslSsl,
        _ => throw new FormatException($"'{name}' is not a security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)."),
    };

    /// <summary>True for SSL and SASL_SSL.</summary>
    public static bool UsesTls(this KafkaSecurityProtocol protocol) => protocol is KafkaSecurityProtocol.Ssl or KafkaSecurityProtocol.SaslSsl;

    /// <summary>True for SASL_PLAINTEXT and SASL_SSL.</summary>
    public static bool UsesSasl(this KafkaSecurityProtocol protocol) => protocol is KafkaSecurityProtocol.SaslPlaintext or KafkaSecurityProtocol.SaslSsl;
}
