using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Broker.Security;
using Xunit.Abstractions;
using AclOperation = Tributary.Broker.Security.AclOperation;

namespace Tributary.Streams.Tests;

/// <summary>
/// The connectors over SASL (SCRAM-SHA-512) against a cluster that enforces ACLs: with the ACLs a pipeline needs they
/// produce, consume and commit; without READ on its group a source fails with a clear authorization exception instead
/// of waiting forever while librdkafka retries.
/// </summary>
public sealed class AuthorizationTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output), IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly XunitLogger _logger = new(output, "kafka");
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret" },
        EnableAuthorizer = true,
    });

    Task IAsyncLifetime.DisposeAsync() => _cluster.DisposeAsync().AsTask();

    private IMaterializer Materializer => Sys.Materializer();

    private Dictionary<string, string> Alice() => new()
    {
        ["bootstrap.servers"] = _cluster.BootstrapServers,
        ["security.protocol"] = "SASL_PLAINTEXT",
        ["sasl.mechanism"] = "SCRAM-SHA-512",
        ["sasl.username"] = "alice",
        ["sasl.password"] = "alice-secret",
    };

    private ConsumerSettings<string, string> Consumer(string group) =>
        ConsumerSettings<string, string>.Create(Sys, Deserializers.Utf8, Deserializers.Utf8)
            .WithProperties(Alice())
            .WithGroupId(group)
            .WithProperty("auto.offset.reset", "earliest")
            .WithLogger(_logger);

    [Fact]
    public async Task With_the_ACLs_it_needs_a_pipeline_produces_consumes_and_commits_as_an_authenticated_user()
    {
        await _cluster.CreateTopicAsync("orders");
        await _cluster.AddAclsAsync(
        [
            AclBinding.Allow("User:alice", AclOperation.Write, AclResourceType.Topic, "orders"),
            AclBinding.Allow("User:alice", AclOperation.Read, AclResourceType.Topic, "orders"),
            AclBinding.Allow("User:alice", AclOperation.Read, AclResourceType.Group, "billing"),
        ]);
        var producer = ProducerSettings<string, string>.Create(Sys, Serializers.Utf8, Serializers.Utf8).WithProperties(Alice());

        await Source.From(Enumerable.Range(0, 5)).Select(i => new ProducerRecord<string, string>("orders", $"k{i}", $"v{i}"))
            .RunWith(KafkaProducer.PlainSink(producer), Materializer).WaitAsync(Patience);
        var control = KafkaConsumer.CommittableSource(Consumer("billing"), Subscriptions.Topics("orders"))
            .Select(message => (ICommittable)message.CommittableOffset)
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(Sys).WithMaxBatch(1)), DrainingControl<Done>.Create)
            .Run(Materializer);

        // The committed offset, read back as alice (READ on the group and topic implies the DESCRIBE this needs).
        using var admin = new AdminClientBuilder(new AdminClientConfig(Alice())).Build();
        await AwaitConditionAsync(async () =>
        {
            var committed = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("billing", [new TopicPartition("orders", 0)])]);
            return committed[0].Partitions[0].Offset.Value == 5;
        }, Patience);
        await control.DrainAndShutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task A_source_without_READ_on_its_group_fails_with_a_clear_authorization_exception()
    {
        await _cluster.CreateTopicAsync("payments");
        await _cluster.AddAclsAsync([AclBinding.Allow("User:alice", AclOperation.Read, AclResourceType.Topic, "payments")]);

        var (control, completion) = KafkaConsumer.PlainSource(Consumer("forbidden"), Subscriptions.Topics("payments"))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Both)
            .Run(Materializer);

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() => completion.WaitAsync(Patience));
        Assert.Contains("not authorized", failure.Message);
        Assert.Contains("READ on the consumer group", failure.Message);
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, Assert.IsType<KafkaException>(failure.InnerException).Error.Code);
        await control.IsShutdown.WaitAsync(Patience);
    }
}
