using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Confluent.Kafka;
using Tributary.Broker.Security.Tls;

namespace Tributary.Broker.Tests.Security;

/// <summary>
/// SSL (with required client certificates) and SASL_SSL listeners driven by Confluent.Kafka, with the certificate
/// authority the cluster created; and TLS-level hostile input that closes only its own connection.
/// </summary>
public class TlsClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Brokers = 2,
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.Ssl), new ListenerOptions(KafkaSecurityProtocol.SaslSsl)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret" },
        Tls = new TlsOptions { ClientAuthentication = TlsClientAuthentication.Required, HandshakeTimeout = TimeSpan.FromSeconds(2) },
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ClientConfig Ssl(X509Certificate2? clientCertificate) => new()
    {
        BootstrapServers = _cluster.GetBootstrapServers("SSL"),
        SecurityProtocol = SecurityProtocol.Ssl,
        SslCaPem = _cluster.CertificateAuthority!.CertificatePem,
        SslCertificatePem = clientCertificate?.ExportCertificatePem(),
        SslKeyPem = clientCertificate is null ? null : CertificateAuthority.PrivateKeyPem(clientCertificate),
    };

    private ClientConfig SaslSsl(string password) => new()
    {
        BootstrapServers = _cluster.GetBootstrapServers("SASL_SSL"),
        SecurityProtocol = SecurityProtocol.SaslSsl,
        SslCaPem = _cluster.CertificateAuthority!.CertificatePem,
        SaslMechanism = SaslMechanism.ScramSha512,
        SaslUsername = "alice",
        SaslPassword = password,
    };

    private static async Task<string?> RoundTripAsync(ClientConfig config, string topic)
    {
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig(config) { LingerMs = 0, MessageTimeoutMs = 20_000 }).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = topic });
        }
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig(config) { GroupId = topic, AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe(topic);
        var value = consumer.Consume(Timeout)?.Message.Value;
        consumer.Close();
        return value;
    }

    private static async Task<Error> FirstErrorAsync(ClientConfig config)
    {
        var failed = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig(config)).SetErrorHandler((_, e) => failed.TrySetResult(e)).Build();
        return await failed.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_client_with_a_certificate_from_the_cluster_authority_produces_and_consumes_over_ssl()
    {
        using var carol = _cluster.CertificateAuthority!.IssueClientCertificate("CN=carol,OU=testing,O=Tributary");
        Assert.Equal("ssl-carol", await RoundTripAsync(Ssl(carol), "ssl-carol"));
    }

    [Fact]
    public async Task A_scram_sha_512_user_produces_and_consumes_over_sasl_ssl()
    {
        Assert.Equal("sasl-ssl", await RoundTripAsync(SaslSsl("alice-secret"), "sasl-ssl"));
    }

    [Fact]
    public void Metadata_over_tls_names_the_brokers_by_the_ports_of_that_listener()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(SaslSsl("alice-secret"))).Build();
        var brokers = admin.GetMetadata(Timeout).Brokers.OrderBy(b => b.BrokerId).Select(b => $"{b.Host}:{b.Port}");
        Assert.Equal(_cluster.GetBootstrapServers("SASL_SSL"), string.Join(',', brokers));
    }

    [Fact]
    public async Task A_wrong_password_over_sasl_ssl_fails_with_librdkafkas_authentication_error()
    {
        var error = await FirstErrorAsync(SaslSsl("wrong"));
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
        Assert.Contains("invalid credentials", error.Reason);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused_when_certificates_are_required()
    {
        var error = await FirstErrorAsync(Ssl(null));
        Assert.True(error.Code is ErrorCode.Local_Ssl or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown, error.ToString());
        await AssertTlsListenerStillServesAsync();
    }

    [Fact]
    public async Task A_certificate_from_another_authority_is_refused()
    {
        using var stranger = CertificateAuthority.Create("CN=Somebody Else");
        using var mallory = stranger.IssueClientCertificate("CN=mallory");
        var error = await FirstErrorAsync(Ssl(mallory));
        Assert.True(error.Code is ErrorCode.Local_Ssl or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown, error.ToString());
    }

    [Fact]
    public async Task Plaintext_kafka_bytes_on_a_tls_port_close_that_connection_only()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Endpoints[1].Port);
        await socket.SendFrameAsync(RawRequests.Encode(RawRequests.ApiVersions(), 3));
        Assert.True(await socket.IsClosedByBrokerAsync());
        await AssertTlsListenerStillServesAsync();
    }

    [Fact]
    public async Task A_tls_handshake_on_the_plaintext_port_closes_that_connection_only()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        await using var tls = new SslStream(tcp.GetStream());
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync("127.0.0.1").WaitAsync(Timeout));
        using var healthy = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var versions = await RawRequests.RoundTripAsync<Protocol.Messages.ApiVersionsResponse>(healthy, RawRequests.ApiVersions(), 3);
        Assert.Equal(0, versions.ErrorCode);
    }

    [Fact]
    public async Task A_client_that_stalls_mid_handshake_delays_nobody_and_is_closed_after_the_timeout()
    {
        using var stalled = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Endpoints[2].Port);
        await stalled.SendAsync([0x16, 0x03, 0x01]); // the first bytes of a ClientHello, then nothing
        await AssertTlsListenerStillServesAsync();
        Assert.True(await stalled.IsClosedByBrokerAsync());
    }

    private async Task AssertTlsListenerStillServesAsync()
    {
        using var carol = _cluster.CertificateAuthority!.IssueClientCertificate("CN=carol");
        using var admin = new AdminClientBuilder(new AdminClientConfig(Ssl(carol))).Build();
        Assert.Equal(2, admin.GetMetadata(Timeout).Brokers.Count);
    }
}
