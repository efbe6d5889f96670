using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Broker.Security;
using Tributary.Testing;
using Xunit.Abstractions;
using AclOperation = Tributary.Broker.Security.AclOperation;

namespace Tributary.Streams.Tests;

/// <summary>
/// A cluster as production clusters are secured: one SASL_SSL listener (SCRAM-SHA-512, certificates from a CA the
/// cluster generated), the authorizer on, an admin super user for the fixture's helpers, and one user per
/// application that gets exactly the ACLs its test grants.
/// </summary>
public sealed class SecuredKafkaFixture : EmbeddedKafkaFixture
{
    /// <summary>The listener every client uses.</summary>
    public const string Listener = "SASL_SSL";

    /// <summary>Users besides the admin; each test grants its user the ACLs it needs.</summary>
    public static readonly string[] Applications = ["writer", "reader", "transformer", "stranger"];

    protected override EmbeddedKafkaOptions CreateOptions() => new()
    {
        Brokers = 3,
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslSsl)],
        Users = Applications.Append("admin").ToDictionary(user => user, user => $"{user}-secret"),
        EnableAuthorizer = true,
        SuperUsers = ["User:admin"],
    };

    // The fixture's own helpers (reading topics back, committed offsets) connect as the super user.
    protected override IDictionary<string, string> ClientProperties() => Cluster.GetClientConfig(Listener, "admin", "SCRAM-SHA-512");

    /// <summary>Client properties for <paramref name="user"/> on the SASL_SSL listener with SCRAM-SHA-512.</summary>
    public Dictionary<string, string> As(string user) => Cluster.GetClientConfig(Listener, user, "SCRAM-SHA-512");
}

/// <summary>
/// The seed exercises on the connectors over SASL_SSL with SCRAM-SHA-512 against a cluster that enforces ACLs, each
/// application holding only the ACLs it needs (literal and prefixed): the Kafka sink produces, the committable source
/// consumes and commits, the transactional source and sink transform exactly-once. A consumer without READ on its
/// group fails its stream with an authorization exception naming the group, instead of waiting while librdkafka retries.
/// </summary>
public sealed class SecuredSeedExerciseTests(SecuredKafkaFixture kafka, ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(output: output), IClassFixture<SecuredKafkaFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly XunitLogger _logger = new(output, "kafka");

    private IMaterializer Materializer => Sys.Materializer();

    private ProducerSettings<string, string> Producer(string user) =>
        ProducerSettings<string, string>.Create(Sys, Serializers.Utf8, Serializers.Utf8).WithProperties(kafka.As(user)).WithLogger(_logger);

    private ConsumerSettings<string, string> Consumer(string user, string group) =>
        ConsumerSettings<string, string>.Create(Sys, Deserializers.Utf8, Deserializers.Utf8)
            .WithProperties(kafka.As(user))
            .WithGroupId(group)
            .WithProperty("auto.offset.reset", "earliest")
            .WithLogger(_logger);

    private Task GrantAsync(params AclBinding[] acls) => kafka.Cluster.AddAclsAsync(acls);

    [Fact]
    public async Task The_Kafka_sink_produces_idempotently_with_nothing_but_WRITE_on_its_topic()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3, replicationFactor: 3, name: KafkaFixture.UniqueName("orders"));
        await GrantAsync(AclBinding.Allow("User:writer", AclOperation.Write, AclResourceType.Topic, topic));
        var settings = Producer("writer").WithProperty("acks", "all").WithProperty("enable.idempotence", "true");

        await Source.From(Enumerable.Range(0, 30))
            .Select(i => new ProducerRecord<string, string>(topic, $"k{i}", $"v{i}"))
            .RunWith(KafkaProducer.PlainSink(settings), Materializer)
            .WaitAsync(Patience);

        var stored = await kafka.ConsumeAsync(topic, 30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}").Order(), stored.Select(r => r.Message.Value).Order());
    }

    [Fact]
    public async Task The_committable_source_and_committer_consume_and_commit_with_prefixed_READ_ACLs_on_topic_and_group()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3, replicationFactor: 3, name: KafkaFixture.UniqueName("billing-events"));
        var group = KafkaFixture.UniqueName("billing-service");
        await kafka.ProduceAsync(topic, 30);
        await GrantAsync(
            AclBinding.Allow("User:reader", AclOperation.Read, AclResourceType.Topic, "billing-", AclPatternType.Prefixed),
            AclBinding.Allow("User:reader", AclOperation.Read, AclResourceType.Group, "billing-", AclPatternType.Prefixed));

        var seen = 0;
        var control = KafkaConsumer.CommittableSource(Consumer("reader", group), Subscriptions.Topics(topic))
            .Select(message =>
            {
                Interlocked.Increment(ref seen);
                return (ICommittable)message.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(Sys).WithMaxBatch(5)), DrainingControl<Done>.Create)
            .Run(Materializer);

        await kafka.WaitForZeroLagAsync(group, topic, Patience);
        await control.DrainAndShutdown().WaitAsync(Patience);
        Assert.Equal(30, Volatile.Read(ref seen));
    }

    [Fact]
    public async Task The_transactional_source_and_sink_transform_exactly_once_with_the_ACLs_of_KIP_447()
    {
        var input = await kafka.CreateTopicAsync(partitions: 2, replicationFactor: 3, name: KafkaFixture.UniqueName("greetings"));
        var outputTopic = await kafka.CreateTopicAsync(partitions: 2, replicationFactor: 3, name: KafkaFixture.UniqueName("shouted"));
        var group = KafkaFixture.UniqueName("shouters");
        await kafka.ProduceAsync(input, 20);
        // READ the input, WRITE the output, READ the group (its offsets go into the transactions), WRITE the transactional ids.
        await GrantAsync(
            AclBinding.Allow("User:transformer", AclOperation.Read, AclResourceType.Topic, input),
            AclBinding.Allow("User:transformer", AclOperation.Write, AclResourceType.Topic, outputTopic),
            AclBinding.Allow("User:transformer", AclOperation.Read, AclResourceType.Group, group),
            AclBinding.Allow("User:transformer", AclOperation.Write, AclResourceType.TransactionalId, "shouter-", AclPatternType.Prefixed));

        var control = Transactional.Source(Consumer("transformer", group), Subscriptions.Topics(input))
            .Select(message => ProducerMessage.Single(
                new ProducerRecord<string, string>(outputTopic, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant()),
                message.PartitionOffset))
            .ToMaterialized(Transactional.Sink(Producer("transformer"), TransactionalSettings.Create(KafkaFixture.UniqueName("shouter"))), DrainingControl<Done>.Create)
            .Run(Materializer);

        var shouted = await kafka.ConsumeAsync(outputTopic, 20, IsolationLevel.ReadCommitted, Patience);
        await kafka.WaitForZeroLagAsync(group, input, Patience);
        await control.DrainAndShutdown().WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"VALUE-{i}").Order(), shouted.Select(r => r.Message.Value).Order());
    }

    [Fact]
    public async Task A_committable_source_without_READ_on_its_group_fails_its_stream_with_an_exception_naming_the_group()
    {
        var topic = await kafka.CreateTopicAsync(name: KafkaFixture.UniqueName("payments"));
        var group = KafkaFixture.UniqueName("forbidden");
        await kafka.ProduceAsync(topic, 3);
        await GrantAsync(AclBinding.Allow("User:stranger", AclOperation.Read, AclResourceType.Topic, topic));

        var control = KafkaConsumer.CommittableSource(Consumer("stranger", group), Subscriptions.Topics(topic))
            .Select(message => (ICommittable)message.CommittableOffset)
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(Sys)), DrainingControl<Done>.Create)
            .Run(Materializer);

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() => control.StreamCompletion.WaitAsync(Patience));
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, Assert.IsType<KafkaException>(failure.InnerException).Error.Code);
        Assert.Contains($"of group '{group}' is not authorized", failure.Message);
        Assert.Contains($"needs an ACL allowing READ on the consumer group '{group}'", failure.Message);
        await control.Control.IsShutdown.WaitAsync(Patience);
    }
}
