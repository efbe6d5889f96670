using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Tls;

namespace Tributary.Broker.Network;

/// <summary>
/// The server side of TLS for one listener: the broker certificate, which client certificates to ask for and
/// trust, and the principal a client certificate gives. Shared by every connection of the listener.
/// </summary>
internal sealed class TlsEndpoint
{
    private readonly SslServerAuthenticationOptions _options;
    private readonly X509Certificate2? _clientAuthority;

    public TlsEndpoint(SslStreamCertificateContext certificate, TlsClientAuthentication clientAuthentication, X509Certificate2? clientAuthority, TimeSpan handshakeTimeout)
    {
        ClientAuthentication = clientAuthentication;
        HandshakeTimeout = handshakeTimeout;
        _clientAuthority = clientAuthority;
        _options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = clientAuthentication != TlsClientAuthentication.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = ValidateClientCertificate,
        };
    }

    /// <summary>Whether clients are asked for certificates.</summary>
    public TlsClientAuthentication ClientAuthentication { get; }

    /// <summary>How long a client has for the handshake.</summary>
    public TimeSpan HandshakeTimeout { get; }

    /// <summary>
    /// Runs the server handshake on <paramref name="transport"/>. Returns the TLS stream and the principal of the
    /// client's certificate (null without one).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed (not TLS, no shared protocol, an untrusted or missing client certificate).</exception>
    /// <exception cref="OperationCanceledException">The client did not finish within the handshake timeout, or the broker is stopping.</exception>
    public async Task<(SslStream Stream, KafkaPrincipal? Principal)> AuthenticateAsync(Stream transport, CancellationToken cancellationToken)
    {
        var stream = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(HandshakeTimeout);
            await stream.AuthenticateAsServerAsync(_options, timeout.Token).ConfigureAwait(false);
            var principal = stream.RemoteCertificate is X509Certificate2 certificate
                ? new KafkaPrincipal("User", DistinguishedNames.ToRfc2253(certificate.SubjectName))
                : null;
            return (stream, principal);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return ClientAuthentication != TlsClientAuthentication.Required;
        if (_clientAuthority is null) return false;
        using var verifier = new X509Chain();
        verifier.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verifier.ChainPolicy.CustomTrustStore.Add(_clientAuthority);
        verifier.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Only the client authority and what the client sent: Build is synchronous, and fetching a missing issuer from a
        // URL in the certificate would hold the connection's thread on the network (Java's default trust manager, which
        // Kafka uses, does not fetch issuers either).
        verifier.ChainPolicy.DisableCertificateDownloads = true;
        if (chain is not null)
        {
            foreach (var element in chain.ChainPolicy.ExtraStore) verifier.ChainPolicy.ExtraStore.Add(element);
        }
        if (certificate is X509Certificate2 full) return verifier.Build(full);
        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return verifier.Build(loaded);
    }
}
