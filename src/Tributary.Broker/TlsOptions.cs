namespace Tributary.Broker;

/// <summary>
/// The TLS settings of the cluster's SSL and SASL_SSL listeners (TLS 1.2 and 1.3). Without a certificate the
/// cluster creates a certificate authority and a broker certificate for 127.0.0.1 and localhost in-process
/// (<see cref="EmbeddedKafkaCluster.CertificateAuthority"/>).
/// </summary>
public sealed class TlsOptions
{
    /// <summary>The broker certificate as a PEM file (further certificates in the file are sent as its chain). Needs <see cref="PrivateKeyPemFile"/>.</summary>
    public string? CertificatePemFile { get; init; }

    /// <summary>The broker certificate's private key as a PEM file (unencrypted PKCS#8, PKCS#1 or SEC1).</summary>
    public string? PrivateKeyPemFile { get; init; }

    /// <summary>
    /// Whether clients of SSL listeners present certificates (Kafka's <c>ssl.client.auth</c>); their principal is then
    /// <c>User:</c> followed by the certificate's subject as RFC 2253 writes it (e.g. <c>User:CN=carol,O=Tributary</c>).
    /// SASL_SSL listeners take the principal from SASL and ask for no certificate. Default <see cref="TlsClientAuthentication.None"/>.
    /// </summary>
    public TlsClientAuthentication ClientAuthentication { get; init; } = TlsClientAuthentication.None;

    /// <summary>
    /// The authority (PEM file) client certificates must be signed by. Default: the cluster's generated authority, which
    /// can issue client certificates (<see cref="Security.Tls.CertificateAuthority.IssueClientCertificate"/>); required
    /// when client authentication is on and the broker certificate comes from files.
    /// </summary>
    public string? ClientCertificateAuthorityPemFile { get; init; }

    /// <summary>How long a client has to complete the TLS handshake before its connection is closed. Default 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Whether SSL listeners ask clients for certificates (Kafka's <c>ssl.client.auth</c>).</summary>
public enum TlsClientAuthentication
{
    /// <summary>No client certificates; clients are <c>User:ANONYMOUS</c>.</summary>
    None,

    /// <summary>Certificates are asked for; a client without one is <c>User:ANONYMOUS</c>, one with an untrusted certificate is refused.</summary>
    Requested,

    /// <summary>Every client must present a certificate signed by the client authority.</summary>
    Required,
}
