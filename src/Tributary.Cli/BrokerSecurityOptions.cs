using System.CommandLine;
using Tributary.Broker;
using Tributary.Cli.Common;

namespace Tributary.Cli;

/// <summary>
/// The listener, user and TLS options of <c>tributary broker</c> and how they become cluster options:
/// <c>--listener</c>, <c>--user</c>, <c>--tls-cert</c>/<c>--tls-key</c>, <c>--tls-ca-out</c>, <c>--tls-client-ca</c>,
/// <c>--oauthbearer-unsecured</c>.
/// </summary>
internal sealed class BrokerSecurityOptions
{
    private readonly Option<string[]> _listeners = new("--listener")
    {
        Description = "A listener's security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (repeatable, in order; default PLAINTEXT). "
                      + "Stdout gets one bootstrap line per listener.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string[]> _users = new("--user")
    {
        Description = "A SASL user as NAME:PASSWORD, valid for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (repeatable).",
    };

    private readonly Option<FileInfo?> _tlsCertificate = new("--tls-cert") { Description = "The broker certificate (PEM) for SSL and SASL_SSL listeners; needs --tls-key." };
    private readonly Option<FileInfo?> _tlsKey = new("--tls-key") { Description = "The broker certificate's private key (PEM, unencrypted)." };
    private readonly Option<FileInfo?> _tlsCaOut = new("--tls-ca-out") { Description = "Where to write the generated CA certificate (PEM) when no --tls-cert is given, for clients to trust." };
    private readonly Option<FileInfo?> _tlsClientCa = new("--tls-client-ca") { Description = "SSL listeners require client certificates signed by this CA (PEM)." };
    private readonly Option<bool> _oauthBearer = new("--oauthbearer-unsecured") { Description = "SASL listeners accept OAUTHBEARER with unsecured JWS tokens (sub = principal, exp enforced)." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _listeners, _users, _tlsCertificate, _tlsKey, _tlsCaOut, _tlsClientCa, _oauthBearer }) command.Options.Add(option);
    }

    /// <summary>What the user asked for, checked.</summary>
    /// <exception cref="UserErrorException">A value is malformed or the combination makes no sense.</exception>
    public Parsed Parse(ParseResult result, int firstPort, int brokers)
    {
        var protocols = (result.GetValue(_listeners) is { Length: > 0 } given ? given : ["PLAINTEXT"]).Select(ParseProtocol).ToList();
        var listeners = protocols.Select((protocol, i) => new ListenerOptions(protocol)
        {
            // A protocol named twice gets numbered names; with a fixed --port each listener takes the next block of ports.
            Name = protocols.Take(i).Count(p => p == protocol) is var earlier and > 0 ? $"{protocol.ToKafkaName()}_{earlier + 1}" : null,
            FirstPort = firstPort == 0 ? 0 : firstPort + i * brokers,
        }).ToList();

        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in result.GetValue(_users) ?? [])
        {
            var colon = user.IndexOf(':');
            if (colon <= 0 || colon == user.Length - 1) throw new UserErrorException($"--user '{user}' must be NAME:PASSWORD with a non-empty name and password.");
            if (!users.TryAdd(user[..colon], user[(colon + 1)..])) throw new UserErrorException($"--user names {user[..colon]} twice.");
        }

        var certificate = result.GetValue(_tlsCertificate);
        var key = result.GetValue(_tlsKey);
        var caOut = result.GetValue(_tlsCaOut);
        var clientCa = result.GetValue(_tlsClientCa);
        if ((certificate is null) != (key is null)) throw new UserErrorException("--tls-cert and --tls-key go together.");
        if (certificate is not null && caOut is not null) throw new UserErrorException("--tls-ca-out writes the generated CA; with --tls-cert no CA is generated.");
        var usesTls = protocols.Any(p => p.UsesTls());
        if (!usesTls && (certificate is not null || caOut is not null || clientCa is not null))
            throw new UserErrorException("The --tls-* options need an SSL or SASL_SSL --listener.");
        foreach (var file in new[] { certificate, key, clientCa })
        {
            if (file is { Exists: false }) throw new UserErrorException($"No such file: {file.FullName}");
        }

        return new Parsed(listeners, users, new TlsOptions
        {
            CertificatePemFile = certificate?.FullName,
            PrivateKeyPemFile = key?.FullName,
            ClientAuthentication = clientCa is null ? TlsClientAuthentication.None : TlsClientAuthentication.Required,
            ClientCertificateAuthorityPemFile = clientCa?.FullName,
        }, caOut, result.GetValue(_oauthBearer));
    }

    private static KafkaSecurityProtocol ParseProtocol(string name)
    {
        try
        {
            return KafkaSecurityProtocolExtensions.Parse(name);
        }
        catch (FormatException e)
        {
            throw new UserErrorException($"--listener {e.Message}");
        }
    }

    /// <summary>The checked security options.</summary>
    /// <param name="Listeners">The listeners, in order.</param>
    /// <param name="Users">SASL users, name to password.</param>
    /// <param name="Tls">TLS settings.</param>
    /// <param name="CaOut">Where to write the generated CA, if anywhere.</param>
    /// <param name="OAuthBearerUnsecured">Whether OAUTHBEARER is offered.</param>
    public sealed record Parsed(IReadOnlyList<ListenerOptions> Listeners, IReadOnlyDictionary<string, string> Users, TlsOptions Tls, FileInfo? CaOut, bool OAuthBearerUnsecured);
}
