using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Network;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Security.Tls;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>The principal a connection ends up with: from the client certificate on SSL, from SASL on SASL listeners.</summary>
public class ConnectionPrincipalTests : IDisposable
{
    private readonly BrokerNode _broker = new(1, "127.0.0.1") { IsAlive = true };
    private readonly CertificateAuthority _authority = CertificateAuthority.Create();

    /// <summary>Answers every request (after authentication) with the connection's principal as UTF-8.</summary>
    private sealed class PrincipalEcho : IRequestProcessor
    {
        public ValueTask<RequestOutcome> ProcessAsync(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellationToken)
        {
            var text = Encoding.UTF8.GetBytes(connection.Principal.ToString());
            var response = new PooledBufferWriter();
            var writer = new KafkaWriter(response);
            writer.WriteInt32(text.Length);
            writer.WriteRaw(text);
            return ValueTask.FromResult(RequestOutcome.Respond(response));
        }
    }

    public void Dispose() => _authority.Dispose();

    private BrokerListener Start(KafkaSecurityProtocol protocol, TlsClientAuthentication clientAuthentication)
    {
        var tls = protocol.UsesTls()
            ? new TlsEndpoint(SslStreamCertificateContext.Create(_authority.IssueServerCertificate(), null, offline: true), clientAuthentication, _authority.Certificate, TimeSpan.FromSeconds(10))
            : null;
        var users = new UserCredentials(new Dictionary<string, string> { ["alice"] = "alice-secret" });
        var definition = new ListenerDefinition(0, new ListenerOptions(protocol), [new PlainMechanism(users), new OAuthBearerUnsecuredMechanism(TimeProvider.System)], tls);
        return BrokerListener.Start(_broker, "127.0.0.1", 0, new PrincipalEcho(), 1024 * 1024, NullLogger.Instance, definition);
    }

    private async Task<Stream> ConnectTlsAsync(int port, X509Certificate2? clientCertificate)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => certificate is not null);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        return tls;
    }

    private static async Task<string> AskPrincipalAsync(Stream stream)
    {
        await WriteFrameAsync(stream, RawRequests.Encode(new MetadataRequest { Topics = [] }, 12));
        return Encoding.UTF8.GetString(await ReadFrameAsync(stream));
    }

    private static async Task WriteFrameAsync(Stream stream, byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame);
    }

    private static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    [Fact]
    public async Task A_client_certificate_gives_its_subject_as_kafka_writes_it()
    {
        await using var listener = Start(KafkaSecurityProtocol.Ssl, TlsClientAuthentication.Required);
        using var carol = _authority.IssueClientCertificate("CN=carol,OU=testing,O=Tributary");
        await using var stream = await ConnectTlsAsync(listener.Port, carol);
        Assert.Equal("User:CN=carol,OU=testing,O=Tributary", await AskPrincipalAsync(stream));
    }

    [Fact]
    public async Task Without_a_certificate_a_client_of_a_requesting_listener_is_anonymous()
    {
        await using var listener = Start(KafkaSecurityProtocol.Ssl, TlsClientAuthentication.Requested);
        await using var stream = await ConnectTlsAsync(listener.Port, null);
        Assert.Equal("User:ANONYMOUS", await AskPrincipalAsync(stream));
    }

    [Theory]
    [InlineData("PLAIN", "\0alice\0alice-secret", "User:alice")]
    [InlineData("OAUTHBEARER", "n,,\u0001auth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IiLCJleHAiOjk5OTk5OTk5OTl9.\u0001\u0001", "User:bob")]
    public async Task A_sasl_client_is_the_user_it_authenticated_as(string mechanism, string token, string principal)
    {
        await using var listener = Start(KafkaSecurityProtocol.SaslPlaintext, TlsClientAuthentication.None);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", listener.Port);
        var stream = tcp.GetStream();
        await WriteFrameAsync(stream, RawRequests.Encode(new SaslHandshakeRequest { Mechanism = mechanism }, 1));
        await ReadFrameAsync(stream);
        await WriteFrameAsync(stream, RawRequests.Encode(new SaslAuthenticateRequest { AuthBytes = Encoding.UTF8.GetBytes(token) }, 2));
        await ReadFrameAsync(stream);
        Assert.Equal(principal, await AskPrincipalAsync(stream));
    }
}
