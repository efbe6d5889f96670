using Confluent.Kafka;

namespace Tributary.Broker.Tests.Security;

/// <summary>SASL_PLAINTEXT driven by Confluent.Kafka (librdkafka: SaslHandshake v1, then SaslAuthenticate).</summary>
public class SaslClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Brokers = 2,
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret", ["we,ird=name"] = "p=ss,word" },
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ClientConfig Sasl(string mechanism, string user, string password) => new()
    {
        BootstrapServers = _cluster.GetBootstrapServers("SASL_PLAINTEXT"),
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = Enum.Parse<SaslMechanism>(mechanism.Replace("-", ""), ignoreCase: true),
        SaslUsername = user,
        SaslPassword = password,
    };

    [Theory]
    [InlineData("PLAIN", "alice", "alice-secret")]
    [InlineData("SCRAM-SHA-256", "alice", "alice-secret")]
    [InlineData("SCRAM-SHA-512", "alice", "alice-secret")]
    [InlineData("SCRAM-SHA-512", "we,ird=name", "p=ss,word")]
    public async Task A_user_with_the_right_password_produces_and_consumes(string mechanism, string user, string password)
    {
        var topic = $"sasl-{mechanism}-{user.Length}";
        var config = Sasl(mechanism, user, password);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig(config) { LingerMs = 0 }).Build())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = mechanism });
        }
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig(config) { GroupId = topic, AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe(topic);
        var result = consumer.Consume(Timeout);
        Assert.Equal(mechanism, result?.Message.Value);
        consumer.Close();
    }

    [Fact]
    public void Metadata_on_the_sasl_listener_names_the_brokers_by_their_sasl_ports()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(Sasl("PLAIN", "alice", "alice-secret"))).Build();
        var brokers = admin.GetMetadata(Timeout).Brokers.OrderBy(b => b.BrokerId).Select(b => $"{b.Host}:{b.Port}");
        Assert.Equal(_cluster.GetBootstrapServers("SASL_PLAINTEXT"), string.Join(',', brokers));
        Assert.NotEqual(_cluster.BootstrapServers, _cluster.GetBootstrapServers("SASL_PLAINTEXT"));
    }

    [Theory]
    [InlineData("PLAIN", "alice", "wrong", "Invalid username or password")]
    [InlineData("PLAIN", "mallory", "alice-secret", "Invalid username or password")]
    [InlineData("SCRAM-SHA-256", "alice", "wrong", "invalid credentials")]
    [InlineData("SCRAM-SHA-512", "mallory", "alice-secret", "invalid credentials")]
    public async Task Wrong_credentials_fail_with_librdkafkas_authentication_error(string mechanism, string user, string password, string reason)
    {
        var error = await FirstErrorAsync(Sasl(mechanism, user, password));
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public async Task A_sasl_client_on_the_plaintext_listener_is_refused()
    {
        var config = Sasl("PLAIN", "alice", "alice-secret");
        config.BootstrapServers = _cluster.BootstrapServers;
        var error = await FirstErrorAsync(config);
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
    }

    /// <summary>The first error a producer with <paramref name="config"/> reports; librdkafka connects to the bootstrap brokers at once.</summary>
    private static async Task<Error> FirstErrorAsync(ClientConfig config)
    {
        var failed = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig(config)).SetErrorHandler((_, e) => failed.TrySetResult(e)).Build();
        return await failed.Task.WaitAsync(Timeout);
    }
}
