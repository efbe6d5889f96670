using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tributary.Broker.Security.Tls;

/// <summary>
/// A certificate authority made in-process for tests (ECDSA P-256 keys): it issues a broker certificate valid for
/// 127.0.0.1 and localhost and client certificates for any subject, and exports itself as PEM so clients can trust
/// it (librdkafka's <c>ssl.ca.pem</c> or <c>ssl.ca.location</c>). No openssl needed.
/// </summary>
/// <example>
/// <code>
/// using var ca = CertificateAuthority.Create();
/// using var carol = ca.IssueClientCertificate("CN=carol,OU=testing,O=Tributary");
/// var config = new ClientConfig { SslCaPem = ca.CertificatePem, SslCertificatePem = carol.ExportCertificatePem(),
///     SslKeyPem = CertificateAuthority.PrivateKeyPem(carol) };
/// </code>
/// </example>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromDays(1);

    private CertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The authority's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The authority's certificate in PEM, for clients to trust.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Creates a self-signed authority named <paramref name="subjectName"/>, valid for <paramref name="validity"/> (default one year).</summary>
    public static CertificateAuthority Create(string subjectName = "CN=Tributary Test CA", TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now - ClockSkew, now + (validity ?? TimeSpan.FromDays(365)));
        return new CertificateAuthority(Persist(certificate));
    }

    /// <summary>
    /// Issues a server certificate for <paramref name="hosts"/> (IP addresses and DNS names; default 127.0.0.1 and
    /// localhost), its subject the first host.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(params string[] hosts)
    {
        if (hosts.Length == 0) hosts = ["127.0.0.1", "localhost"];
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(host);
        }
        return Issue($"CN={hosts[0]}", new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), names.Build());
    }

    /// <summary>Issues a client certificate for <paramref name="subjectName"/> (e.g. <c>CN=carol,OU=testing,O=Tributary</c>).</summary>
    public X509Certificate2 IssueClientCertificate(string subjectName) =>
        Issue(subjectName, new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication"), null);

    private X509Certificate2 Issue(string subjectName, Oid usage, X509Extension? alternativeNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (alternativeNames is not null) request.CertificateExtensions.Add(alternativeNames);
        var now = DateTimeOffset.UtcNow;
        var notAfter = Certificate.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(365) ? new DateTimeOffset(Certificate.NotAfter.ToUniversalTime()) : now.AddDays(365);
        using var issued = request.Create(Certificate, now - ClockSkew, notAfter, RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);
        return Persist(withKey);
    }

    /// <summary>
    /// The private key of <paramref name="certificate"/> as unencrypted PKCS#8 PEM (librdkafka's <c>ssl.key.pem</c>),
    /// for certificates this authority issued or any other ECDSA or RSA certificate with its key.
    /// </summary>
    /// <exception cref="ArgumentException">The certificate has no ECDSA or RSA private key.</exception>
    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey();
        return key?.ExportPkcs8PrivateKeyPem() ?? throw new ArgumentException("The certificate has no ECDSA or RSA private key.", nameof(certificate));
    }

    /// <summary>Writes the authority's certificate to <paramref name="path"/> as PEM.</summary>
    public void WriteCertificatePem(string path) => File.WriteAllText(path, CertificatePem);

    /// <summary>
    /// A copy whose private key SslStream can use on every platform (a key created in memory is ephemeral, which
    /// Windows' TLS refuses).
    /// </summary>
    internal static X509Certificate2 Persist(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
