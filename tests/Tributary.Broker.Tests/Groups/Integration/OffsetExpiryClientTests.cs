using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>
/// Kafka's offset expiration (offsets.retention.minutes, KIP-211) seen by Confluent.Kafka clients, on a broker that
/// keeps offsets for 4 seconds and checks every half second: an empty group's offsets and standalone commits go once
/// the retention passed, and the groups with them; a live group's offsets of the topic it consumes stay.
/// </summary>
public sealed class OffsetExpiryClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        OffsetsRetention = Retention,
        OffsetsRetentionCheckInterval = TimeSpan.FromMilliseconds(500),
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task An_empty_groups_offsets_and_standalone_commits_expire_after_the_retention_while_a_live_groups_are_kept()
    {
        var topic = NewName("expiry");
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 1);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 3; i++) await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"v{i}" });
        }
        var partition = new TopicPartition(topic, 0);
        var (live, emptied, standalone) = (NewName("live"), NewName("emptied"), NewName("standalone"));

        // A live member commits first: by the time the others' offsets expire, its commit is older than the retention.
        using var member = Consumer(live);
        member.Subscribe(topic);
        member.Commit(ConsumeOne(member));
        using (var leaving = Consumer(emptied))
        {
            leaving.Subscribe(topic);
            leaving.Commit(ConsumeOne(leaving));
            leaving.Close();
        }
        using (var assigned = Consumer(standalone))
        {
            assigned.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            assigned.Commit([new TopicPartitionOffset(partition, 2)]);
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

        await GroupConsumer.EventuallyAsync(() => CommittedAsync(admin, emptied, partition).Result == Offset.Unset, "the empty group's offset expired", Patience);
        await GroupConsumer.EventuallyAsync(() => CommittedAsync(admin, standalone, partition).Result == Offset.Unset, "the standalone commit expired", Patience);
        await GroupConsumer.EventuallyAsync(() => !ListedAsync(admin).Result.Overlaps([emptied, standalone]), "both groups left without offsets are deleted", Patience);

        Assert.Equal(1, (await CommittedAsync(admin, live, partition)).Value);
        Assert.Contains(live, await ListedAsync(admin));
        Assert.Equal(1, member.Committed([partition], TimeSpan.FromSeconds(10)).Single().Offset.Value);
    }

    [Fact]
    public async Task Describe_configs_shows_the_retention_and_its_check_interval_as_kafkas_broker_configs()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

        var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = $"{_cluster.Brokers[0].Id}" }])).Single();

        // A retention of seconds shows as whole minutes, rounded up; both are read-only, as in Kafka.
        Assert.Equal(("1", true), (described.Entries["offsets.retention.minutes"].Value, described.Entries["offsets.retention.minutes"].IsReadOnly));
        Assert.Equal(("500", true), (described.Entries["offsets.retention.check.interval.ms"].Value, described.Entries["offsets.retention.check.interval.ms"].IsReadOnly));
    }

    private IConsumer<string, string> Consumer(string group) => new ConsumerBuilder<string, string>(new ConsumerConfig
    {
        BootstrapServers = _cluster.BootstrapServers,
        GroupId = group,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 500,
    }).Build();

    private static ConsumeResult<string, string> ConsumeOne(IConsumer<string, string> consumer)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record) return record;
        }
        throw new TimeoutException("No record arrived.");
    }

    /// <summary>The group's committed offset of <paramref name="partition"/> as ListConsumerGroupOffsets answers (Unset when none).</summary>
    private static async Task<Offset> CommittedAsync(IAdminClient admin, string group, TopicPartition partition)
    {
        var listed = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [partition])]);
        return listed.Single().Partitions.Single().Offset;
    }

    private static async Task<HashSet<string>> ListedAsync(IAdminClient admin) =>
        (await admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId).ToHashSet();
}
