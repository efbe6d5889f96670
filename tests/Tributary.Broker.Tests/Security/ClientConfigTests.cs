using Confluent.Kafka;

namespace Tributary.Broker.Tests.Security;

/// <summary>The client settings the cluster hands out work unchanged with Confluent.Kafka on every kind of listener.</summary>
public class ClientConfigTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners =
        [
            new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.Ssl),
            new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext), new ListenerOptions(KafkaSecurityProtocol.SaslSsl),
        ],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret" },
        Tls = new TlsOptions { ClientAuthentication = TlsClientAuthentication.Required },
        OAuthBearerUnsecured = true,
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("PLAINTEXT", null, null)]
    [InlineData("SSL", "carol", null)]
    [InlineData("SASL_PLAINTEXT", "alice", "PLAIN")]
    [InlineData("SASL_PLAINTEXT", "alice", "SCRAM-SHA-256")]
    [InlineData("SASL_SSL", "alice", null)]
    [InlineData("SASL_SSL", "alice", "OAUTHBEARER")]
    public async Task The_settings_of_each_listener_produce_and_consume(string listener, string? user, string? mechanism)
    {
        var properties = _cluster.GetClientConfig(listener, user, mechanism);
        var topic = $"config-{listener}-{mechanism ?? "default"}";
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig(properties) { LingerMs = 0 }).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = topic });
        }
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig(properties) { GroupId = topic, AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe(topic);
        Assert.Equal(topic, consumer.Consume(Timeout)?.Message.Value);
        consumer.Close();
    }

    [Fact]
    public void The_settings_name_the_listener_protocol_and_credentials()
    {
        var properties = _cluster.GetClientConfig("SASL_SSL", "alice");
        Assert.Equal(_cluster.GetBootstrapServers("SASL_SSL"), properties["bootstrap.servers"]);
        Assert.Equal("sasl_ssl", properties["security.protocol"]);
        Assert.Equal(SecurityProtocol.SaslSsl, new ClientConfig(properties).SecurityProtocol);
        Assert.Equal("SCRAM-SHA-512", properties["sasl.mechanism"]);
        Assert.Equal("alice", properties["sasl.username"]);
        Assert.Equal("alice-secret", properties["sasl.password"]);
        Assert.Equal(_cluster.CertificateAuthority!.CertificatePem, properties["ssl.ca.pem"]);
        Assert.Equal(_cluster.BootstrapServers, _cluster.GetClientConfig()["bootstrap.servers"]);
    }

    [Fact]
    public void Asking_for_an_unknown_listener_user_or_mechanism_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => _cluster.GetClientConfig("EXTERNAL"));
        Assert.Throws<ArgumentException>(() => _cluster.GetClientConfig("SASL_SSL"));
        Assert.Throws<ArgumentException>(() => _cluster.GetClientConfig("SASL_SSL", "mallory"));
        Assert.Throws<ArgumentException>(() => _cluster.GetClientConfig("SASL_SSL", "alice", "GSSAPI"));
    }
}
