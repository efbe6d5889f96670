using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Security;

/// <summary>
/// ACLs for real principals: users authenticated with SASL (SCRAM-SHA-512 and PLAIN) through Confluent.Kafka, a
/// super user granting ACLs with the admin client, and the principals they name allowed or refused.
/// </summary>
public sealed class SaslAclTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["admin"] = "admin-secret", ["alice"] = "alice-secret", ["bob"] = "bob-secret" },
        EnableAuthorizer = true,
        SuperUsers = ["User:admin"],
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ClientConfig As(string user, SaslMechanism mechanism = SaslMechanism.ScramSha512) => new()
    {
        BootstrapServers = _cluster.BootstrapServers,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = mechanism,
        SaslUsername = user,
        SaslPassword = $"{user}-secret",
    };

    private static Confluent.Kafka.Admin.AclBinding Allow(string principal, ResourceType type, string name, ResourcePatternType pattern, AclOperation operation) => new()
    {
        Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = operation, PermissionType = AclPermissionType.Allow },
    };

    [Fact]
    public async Task Acls_created_by_a_super_user_let_alice_produce_and_consume_in_her_group_while_bob_is_refused()
    {
        using (var admin = new AdminClientBuilder(new AdminClientConfig(As("admin"))).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "alice-orders", NumPartitions = 1, ReplicationFactor = 1 }]);
            await admin.CreateAclsAsync(
            [
                Allow("User:alice", ResourceType.Topic, "alice-", ResourcePatternType.Prefixed, AclOperation.Write),
                Allow("User:alice", ResourceType.Topic, "alice-", ResourcePatternType.Prefixed, AclOperation.Read),
                Allow("User:alice", ResourceType.Group, "alice-group", ResourcePatternType.Literal, AclOperation.Read),
            ]);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig(As("alice")) { EnableIdempotence = true }).Build())
        {
            await producer.ProduceAsync("alice-orders", new Message<string, string> { Key = "k", Value = "from alice" });
        }
        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig(As("alice", SaslMechanism.Plain))
               { GroupId = "alice-group", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false }).Build())
        {
            consumer.Subscribe("alice-orders");
            var result = consumer.Consume(Timeout);
            Assert.Equal("from alice", result?.Message.Value);
            consumer.Commit(result);
            consumer.Close();
        }

        using var bob = new ProducerBuilder<string, string>(new ProducerConfig(As("bob")) { MessageTimeoutMs = 15_000 }).Build();
        var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            bob.ProduceAsync("alice-orders", new Message<string, string> { Key = "k", Value = "from bob" }));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);
    }
}
