using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Security;
using AclOperation = Tributary.Broker.Security.AclOperation;
using AclBinding = Tributary.Broker.Security.AclBinding;
using AclBindingFilter = Tributary.Broker.Security.AclBindingFilter;
using AclPermissionType = Confluent.Kafka.Admin.AclPermissionType;

namespace Tributary.Broker.Tests.Security;

/// <summary>One cluster with the authorizer on, shared by <see cref="ConfluentAclTests"/>; each test starts without ACLs.</summary>
public sealed class SecuredClusterFixture : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { EnableAuthorizer = true });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Confluent.Kafka (librdkafka) against ACLs. Over PLAINTEXT the client is <c>User:ANONYMOUS</c>, as with Kafka, so
/// the ACLs name that principal.
/// </summary>
public sealed class ConfluentAclTests : IClassFixture<SecuredClusterFixture>, IAsyncLifetime
{
    private const string Anonymous = "User:ANONYMOUS";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly EmbeddedKafkaCluster _cluster;

    public ConfluentAclTests(SecuredClusterFixture fixture) => _cluster = fixture.Cluster;

    public async Task InitializeAsync() => await _cluster.RemoveAclsAsync(AclBindingFilter.All);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task GrantAsync(params AclBinding[] acls) => _cluster.AddAclsAsync(acls);

    private IProducer<string, string> Producer(Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0, MessageTimeoutMs = 15_000 };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).Build();
    }

    private IConsumer<string, string> Consumer(string group, List<Error>? errors = null) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 10_000,
        }).SetErrorHandler((_, error) => { lock (errors ?? []) errors?.Add(error); }).Build();

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

    [Fact]
    public async Task A_producer_without_WRITE_is_refused_with_topic_authorization_failed_until_it_is_granted()
    {
        await _cluster.CreateTopicAsync("acl-produce");
        using var producer = Producer();

        var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync("acl-produce", new Message<string, string> { Key = "k", Value = "v" }));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);

        await GrantAsync(AclBinding.Allow(Anonymous, AclOperation.Write, AclResourceType.Topic, "acl-produce"));
        using var granted = Producer();
        var delivered = await granted.ProduceAsync("acl-produce", new Message<string, string> { Key = "k", Value = "v" });
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    [Fact]
    public async Task Prefixed_ACLs_let_a_consumer_group_consume_and_commit_and_an_idempotent_producer_write()
    {
        await _cluster.CreateTopicAsync("team-a.orders", partitions: 2);
        await GrantAsync(
            AclBinding.Allow(Anonymous, AclOperation.Write, AclResourceType.Topic, "team-a.", AclPatternType.Prefixed),
            AclBinding.Allow(Anonymous, AclOperation.Read, AclResourceType.Topic, "team-a.", AclPatternType.Prefixed),
            AclBinding.Allow(Anonymous, AclOperation.Read, AclResourceType.Group, "team-a-", AclPatternType.Prefixed));
        using (var producer = Producer(c => c.EnableIdempotence = true))
        {
            for (var i = 0; i < 10; i++) await producer.ProduceAsync("team-a.orders", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
        }

        using var consumer = Consumer("team-a-readers");
        consumer.Subscribe("team-a.orders");
        var seen = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (seen.Count < 10 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result) seen.Add(result);
        }
        Assert.Equal(10, seen.Count);
        consumer.Commit(seen.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));

        var committed = consumer.Committed(seen.Select(r => r.TopicPartition).Distinct(), Timeout);
        Assert.Equal(10, committed.Sum(c => c.Offset.Value));
        consumer.Close();
    }

    [Fact]
    public async Task A_consumer_without_READ_on_its_group_hears_group_authorization_failed()
    {
        await _cluster.CreateTopicAsync("acl-no-group");
        await GrantAsync(AclBinding.Allow(Anonymous, AclOperation.Read, AclResourceType.Topic, "acl-no-group"));
        var errors = new List<Error>();
        using var consumer = Consumer("forbidden-group", errors);
        consumer.Subscribe("acl-no-group");

        ErrorCode? seen = null;
        var deadline = DateTime.UtcNow + Timeout;
        while (seen is null && DateTime.UtcNow < deadline)
        {
            try
            {
                consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e)
            {
                seen = e.Error.Code;
            }
            lock (errors) seen ??= errors.Select(e => (ErrorCode?)e.Code).FirstOrDefault();
        }
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, seen);
    }

    [Fact]
    public async Task A_transactional_producer_needs_WRITE_on_its_transactional_id_and_sends_offsets_with_READ_on_the_group()
    {
        await _cluster.CreateTopicAsync("acl-tx");
        await GrantAsync(AclBinding.Allow(Anonymous, AclOperation.Write, AclResourceType.Topic, "acl-tx"), AclBinding.Allow(Anonymous, AclOperation.Read, AclResourceType.Topic, "acl-tx"));
        using (var refused = Producer(c => c.TransactionalId = "acl-tx-id"))
        {
            var e = Assert.ThrowsAny<KafkaException>(() => refused.InitTransactions(Timeout));
            Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, e.Error.Code);
        }

        await GrantAsync(
            AclBinding.Allow(Anonymous, AclOperation.Write, AclResourceType.TransactionalId, "acl-tx-", AclPatternType.Prefixed),
            AclBinding.Allow(Anonymous, AclOperation.Read, AclResourceType.Group, "acl-tx-group"));
        using var producer = Producer(c => c.TransactionalId = "acl-tx-id2");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync("acl-tx", new Message<string, string> { Key = "k", Value = "v" });
        using var consumer = Consumer("acl-tx-group");
        producer.SendOffsetsToTransaction([new TopicPartitionOffset("acl-tx", 0, 1)], consumer.ConsumerGroupMetadata, Timeout);
        producer.CommitTransaction(Timeout);
    }

    [Fact]
    public async Task Deny_beats_allow_for_the_same_principal()
    {
        await _cluster.CreateTopicAsync("acl-open");
        await _cluster.CreateTopicAsync("acl-audit");
        await GrantAsync(
            AclBinding.Allow(Anonymous, AclOperation.All, AclResourceType.Topic, "*"),
            AclBinding.Deny(Anonymous, AclOperation.Write, AclResourceType.Topic, "acl-audit"));
        using var producer = Producer();

        var open = await producer.ProduceAsync("acl-open", new Message<string, string> { Key = "k", Value = "v" });
        var denied = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync("acl-audit", new Message<string, string> { Key = "k", Value = "v" }));

        Assert.Equal(PersistenceStatus.Persisted, open.Status);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, denied.Error.Code);
    }

    [Fact]
    public async Task The_admin_client_creates_describes_and_deletes_ACLs_with_ALTER_on_the_cluster()
    {
        await GrantAsync(AclBinding.Allow(Anonymous, AclOperation.Alter, AclResourceType.Cluster, AclBinding.ClusterResourceName));
        using var admin = Admin();
        var acl = new Confluent.Kafka.Admin.AclBinding
        {
            Pattern = new ResourcePattern { Type = ResourceType.Topic, Name = "payments-", ResourcePatternType = ResourcePatternType.Prefixed },
            Entry = new AccessControlEntry { Principal = "User:carol", Host = "*", Operation = Confluent.Kafka.Admin.AclOperation.Read, PermissionType = AclPermissionType.Allow },
        };

        await admin.CreateAclsAsync([acl]);
        var described = await admin.DescribeAclsAsync(new Confluent.Kafka.Admin.AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = "payments-eu", ResourcePatternType = ResourcePatternType.Match },
            EntryFilter = new AccessControlEntryFilter { Operation = Confluent.Kafka.Admin.AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        var deleted = await admin.DeleteAclsAsync([new Confluent.Kafka.Admin.AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Principal = "User:carol", Operation = Confluent.Kafka.Admin.AclOperation.Any, PermissionType = AclPermissionType.Any },
        }]);

        Assert.Equal([acl], described.AclBindings);
        Assert.Equal([acl], deleted[0].AclBindings);
        Assert.Empty(_cluster.GetAcls(new AclBindingFilter(Principal: "User:carol")));
    }

    [Fact]
    public async Task The_admin_client_without_ALTER_on_the_cluster_hears_cluster_authorization_failed()
    {
        await GrantAsync(AclBinding.Allow(Anonymous, AclOperation.Describe, AclResourceType.Cluster, AclBinding.ClusterResourceName));
        using var admin = Admin();
        var acl = new Confluent.Kafka.Admin.AclBinding
        {
            Pattern = new ResourcePattern { Type = ResourceType.Group, Name = "g", ResourcePatternType = ResourcePatternType.Literal },
            Entry = new AccessControlEntry { Principal = Anonymous, Host = "*", Operation = Confluent.Kafka.Admin.AclOperation.All, PermissionType = AclPermissionType.Allow },
        };

        var e = await Assert.ThrowsAsync<CreateAclsException>(() => admin.CreateAclsAsync([acl]));

        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, e.Results[0].Error.Code);
        Assert.Single(_cluster.GetAcls());
    }

    [Fact]
    public async Task A_super_user_needs_no_ACL()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { EnableAuthorizer = true, SuperUsers = [Anonymous] });
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, EnableIdempotence = true }).Build();

        var delivered = await producer.ProduceAsync("anything", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }
}
