using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Tributary.Broker.Network;

namespace Tributary.Broker.Security.Tls;

/// <summary>
/// The TLS material of a cluster, loaded or created once at start: the broker certificate (from PEM files, or
/// issued by a generated authority for the cluster's host, 127.0.0.1 and localhost) and the authority client
/// certificates must chain to.
/// </summary>
internal sealed class ClusterTls
{
    private readonly SslStreamCertificateContext _certificate;
    private readonly X509Certificate2? _clientAuthority;
    private readonly TlsOptions _options;

    private ClusterTls(TlsOptions options, SslStreamCertificateContext certificate, X509Certificate2? clientAuthority, CertificateAuthority? generated)
    {
        _options = options;
        _certificate = certificate;
        _clientAuthority = clientAuthority;
        GeneratedAuthority = generated;
    }

    /// <summary>The authority created because no certificate was configured, else null.</summary>
    public CertificateAuthority? GeneratedAuthority { get; }

    /// <summary>Loads or creates the material for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A PEM file cannot be read.</exception>
    public static ClusterTls Create(EmbeddedKafkaOptions options)
    {
        var tls = options.Tls;
        var clientAuthority = tls.ClientCertificateAuthorityPemFile is { } authorityFile ? Load(() => X509CertificateLoader.LoadCertificateFromFile(authorityFile), authorityFile) : null;
        if (tls.CertificatePemFile is { } certificateFile)
        {
            using var loaded = Load(() => X509Certificate2.CreateFromPemFile(certificateFile, tls.PrivateKeyPemFile), certificateFile);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificateFile);
            var context = SslStreamCertificateContext.Create(CertificateAuthority.Persist(loaded), [.. chain.Skip(1)], offline: true);
            return new ClusterTls(tls, context, clientAuthority, null);
        }
        var authority = CertificateAuthority.Create();
        var hosts = new[] { options.Host, "127.0.0.1", "localhost" }.Distinct().ToArray();
        var certificate = SslStreamCertificateContext.Create(authority.IssueServerCertificate(hosts), [authority.Certificate], offline: true);
        return new ClusterTls(tls, certificate, clientAuthority ?? authority.Certificate, authority);
    }

    /// <summary>The TLS endpoint of a listener with <paramref name="protocol"/>: SSL listeners ask for client certificates as configured, SASL_SSL ones never.</summary>
    public TlsEndpoint EndpointFor(KafkaSecurityProtocol protocol) =>
        new(_certificate, protocol == KafkaSecurityProtocol.Ssl ? _options.ClientAuthentication : TlsClientAuthentication.None, _clientAuthority, _options.HandshakeTimeout);

    private static X509Certificate2 Load(Func<X509Certificate2> load, string path)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"Cannot read the PEM file {path}: {e.Message}", e);
        }
    }
}
