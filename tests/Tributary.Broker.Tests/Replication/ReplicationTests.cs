using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Replication;

/// <summary>
/// Replication as Confluent.Kafka (librdkafka) sees it: what acks=1 risks and acks=all with min.insync.replicas
/// protects when a leader dies, clean and unclean election, the high watermark bounding what consumers read,
/// and truncation of the records only an old leader had. Each test starts its own three-broker cluster.
/// </summary>
public sealed class ReplicationTests
{
    private const string Topic = "replicated";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<EmbeddedKafkaCluster> StartAsync(bool unclean = false, TimeSpan? lag = null) =>
        EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            ReplicaLagTimeMax = lag ?? TimeSpan.FromMilliseconds(500),
            BrokerConfigs = new Dictionary<string, string> { ["unclean.leader.election.enable"] = unclean ? "true" : "false" },
        });

    private static IProducer<string, string> Producer(EmbeddedKafkaCluster cluster, Acks acks, int messageTimeoutMs = 20_000) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = acks,
            LingerMs = 0,
            MessageTimeoutMs = messageTimeoutMs,
            RequestTimeoutMs = Math.Min(messageTimeoutMs, 5_000),
            TopicMetadataRefreshIntervalMs = 500,
        }).Build();

    private static async Task ProduceAsync(IProducer<string, string> producer, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var delivered = await producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = $"{prefix}-{i}" });
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }
    }

    private static PartitionMetadata Partition(EmbeddedKafkaCluster cluster)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        return admin.GetMetadata(Topic, Timeout).Topics.Single().Partitions.Single();
    }

    private static async Task<PartitionMetadata> PartitionWhenAsync(EmbeddedKafkaCluster cluster, Func<PartitionMetadata, bool> condition, string what)
    {
        PartitionMetadata? seen = null;
        await Eventually.TrueAsync(() => condition(seen = Partition(cluster)), what);
        return seen!;
    }

    /// <summary>Every value in the partition, read from the beginning by a new consumer until <paramref name="expected"/> arrive and no more come.</summary>
    private static List<string> ConsumeAll(EmbeddedKafkaCluster cluster, int expected, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            IsolationLevel = isolation,
            TopicMetadataRefreshIntervalMs = 500,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record) values.Add(record.Message.Value);
        }
        // A little longer, to see anything that should not be there.
        var settle = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        while (DateTime.UtcNow < settle)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record) values.Add(record.Message.Value);
        }
        return values;
    }

    private static IEnumerable<string> Values(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}");

    /// <summary>Pauses both followers, then writes with acks=1 records only the leader gets, and waits until the followers left the ISR.</summary>
    private static async Task<int> WriteOnlyToTheLeaderAsync(EmbeddedKafkaCluster cluster, int count)
    {
        var leader = Partition(cluster).Leader;
        var followers = cluster.Brokers.Select(b => b.Id).Where(id => id != leader).ToList();
        foreach (var follower in followers) cluster.PauseReplication(follower);
        using (var producer = Producer(cluster, Acks.Leader)) await ProduceAsync(producer, "leader-only", count);
        await PartitionWhenAsync(cluster, p => p.InSyncReplicas.SequenceEqual([leader]), "the paused followers left the ISR");
        return leader;
    }

    /// <summary>
    /// Ten records every replica has, five only the leader has (the followers paused and out of the ISR), then the
    /// leader crashes and the followers resume. Returns the crashed leader.
    /// </summary>
    private static async Task<int> CrashTheLeaderAfterLeaderOnlyWritesAsync(EmbeddedKafkaCluster cluster)
    {
        await cluster.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3);
        using (var producer = Producer(cluster, Acks.All)) await ProduceAsync(producer, "replicated", 10);
        var oldLeader = await WriteOnlyToTheLeaderAsync(cluster, 5);
        await cluster.CrashBrokerAsync(oldLeader);
        foreach (var broker in cluster.Brokers.Where(b => b.Id != oldLeader)) cluster.ResumeReplication(broker.Id);
        return oldLeader;
    }

    [Fact]
    public async Task With_unclean_election_acks_1_records_the_followers_never_copied_are_lost_and_the_old_leader_drops_them_on_return()
    {
        await using var cluster = await StartAsync(unclean: true);
        var oldLeader = await CrashTheLeaderAfterLeaderOnlyWritesAsync(cluster);

        var newLeader = (await PartitionWhenAsync(cluster, p => p.Leader > 0 && p.Leader != oldLeader, "an out-of-sync replica leads")).Leader;
        using (var producer = Producer(cluster, Acks.All)) await ProduceAsync(producer, "new-history", 3);

        var expected = Values("replicated", 10).Concat(Values("new-history", 3)).ToList();
        Assert.Equal(expected, ConsumeAll(cluster, expected.Count));

        // The old leader comes back, truncates the records only it had, and copies the new leader's history.
        await cluster.StartBrokerAsync(oldLeader);
        await PartitionWhenAsync(cluster, p => p.InSyncReplicas.Length == 3, "the old leader caught up and rejoined the ISR");
        // Leave it the only in-sync replica that runs: it leads, and what it serves is the new history only.
        foreach (var other in cluster.Brokers.Select(b => b.Id).Where(id => id != oldLeader).OrderBy(id => id == newLeader))
            await cluster.StopBrokerAsync(other);
        await PartitionWhenAsync(cluster, p => p.Leader == oldLeader, "the old leader leads again");
        Assert.Equal(expected, ConsumeAll(cluster, expected.Count));
    }

    [Fact]
    public async Task With_clean_election_the_partition_stays_offline_until_the_old_leader_returns_and_nothing_is_lost()
    {
        await using var cluster = await StartAsync(unclean: false);
        var oldLeader = await CrashTheLeaderAfterLeaderOnlyWritesAsync(cluster);

        var offline = await PartitionWhenAsync(cluster, p => p.Leader == -1, "the partition has no leader");
        Assert.Equal(ErrorCode.LeaderNotAvailable, offline.Error.Code);
        using (var producer = Producer(cluster, Acks.All, messageTimeoutMs: 1_500))
        {
            var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = "while-offline" }));
            Assert.Equal(PersistenceStatus.NotPersisted, refused.DeliveryResult.Status);
        }

        await cluster.StartBrokerAsync(oldLeader);
        await PartitionWhenAsync(cluster, p => p.Leader == oldLeader && p.InSyncReplicas.Length == 3, "the old leader leads and the followers caught up");
        var expected = Values("replicated", 10).Concat(Values("leader-only", 5)).ToList();
        Assert.Equal(expected, ConsumeAll(cluster, expected.Count));
    }

    [Fact]
    public async Task Turning_unclean_election_on_for_an_offline_partition_elects_an_out_of_sync_replica_at_once()
    {
        await using var cluster = await StartAsync(unclean: false);
        var oldLeader = await CrashTheLeaderAfterLeaderOnlyWritesAsync(cluster);
        await PartitionWhenAsync(cluster, p => p.Leader == -1, "the partition has no leader");

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Topic, Name = Topic }] =
                    [new ConfigEntry { Name = "unclean.leader.election.enable", Value = "true", IncrementalOperation = AlterConfigOpType.Set }],
            });

        await PartitionWhenAsync(cluster, p => p.Leader > 0 && p.Leader != oldLeader, "an out-of-sync replica leads");
        Assert.Equal(Values("replicated", 10), ConsumeAll(cluster, 10));
    }

    [Fact]
    public async Task Acks_all_with_min_insync_replicas_2_refuses_writes_once_both_followers_fell_behind_and_loses_nothing_it_acknowledged()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        using var producer = Producer(cluster, Acks.All, messageTimeoutMs: 3_000);
        await ProduceAsync(producer, "acknowledged", 10);
        var leader = Partition(cluster).Leader;
        var followers = cluster.Brokers.Select(b => b.Id).Where(id => id != leader).ToList();
        foreach (var follower in followers) cluster.PauseReplication(follower);

        var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = "refused" }));
        Assert.Contains(refused.Error.Code, new[] { ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.RequestTimedOut, ErrorCode.Local_MsgTimedOut });
        await PartitionWhenAsync(cluster, p => p.InSyncReplicas.SequenceEqual([leader]), "the ISR shrank to the leader");
        var direct = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = "refused-again" }));
        Assert.Contains(direct.Error.Code, new[] { ErrorCode.NotEnoughReplicas, ErrorCode.Local_MsgTimedOut });

        // Crash the leader and bring it back, then crash a follower: what was acknowledged is all there.
        await cluster.CrashBrokerAsync(leader);
        foreach (var follower in followers) cluster.ResumeReplication(follower);
        await cluster.StartBrokerAsync(leader);
        await PartitionWhenAsync(cluster, p => p.Leader == leader && p.InSyncReplicas.Length == 3, "the leader returned and the followers caught up");
        await cluster.CrashBrokerAsync(leader);
        await PartitionWhenAsync(cluster, p => p.Leader > 0 && p.Leader != leader, "a follower took over");
        var values = ConsumeAll(cluster, 10);
        // Every acknowledged record is there, in order. One may be there twice: on a loaded machine both followers can fall
        // behind for replica.lag.time.max.ms while the first ten are written, and the producer (not idempotent) then retries
        // a record the leader had already appended, as Kafka's clients do.
        Assert.Equal(Values("acknowledged", 10), values.Where(v => v.StartsWith("acknowledged", StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public async Task A_consumer_never_reads_past_the_high_watermark_until_the_followers_copy_the_records()
    {
        await using var cluster = await StartAsync(lag: TimeSpan.FromSeconds(30));
        await cluster.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3);
        var leader = Partition(cluster).Leader;
        var followers = cluster.Brokers.Select(b => b.Id).Where(id => id != leader).ToList();
        foreach (var follower in followers) cluster.PauseReplication(follower);
        using (var producer = Producer(cluster, Acks.Leader)) await ProduceAsync(producer, "unreplicated", 3);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = "hwm", EnableAutoCommit = false,
        }).Build();
        Assert.Equal(0, consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 0), Timeout).High.Value);
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < deadline) Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(100)));

        foreach (var follower in followers) cluster.ResumeReplication(follower);
        var values = new List<string>();
        deadline = DateTime.UtcNow + Timeout;
        while (values.Count < 3 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) values.Add(record.Message.Value);
        }
        Assert.Equal(Values("unreplicated", 3), values);
        Assert.Equal(3, consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 0), Timeout).High.Value);
    }

    [Fact]
    public async Task Acks_all_answers_after_the_followers_copy_so_a_replication_delay_adds_to_its_latency_but_not_to_acks_1()
    {
        await using var cluster = await StartAsync(lag: TimeSpan.FromSeconds(30));
        await cluster.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3);
        var leader = Partition(cluster).Leader;
        var delay = TimeSpan.FromMilliseconds(300);
        foreach (var follower in cluster.Brokers.Where(b => b.Id != leader)) cluster.SetReplicationDelay(follower.Id, delay);
        using var all = Producer(cluster, Acks.All);
        using var one = Producer(cluster, Acks.Leader);
        await ProduceAsync(all, "warm-up", 1);
        await ProduceAsync(one, "warm-up", 1);

        var started = DateTime.UtcNow;
        await ProduceAsync(all, "all", 1);
        var allTook = DateTime.UtcNow - started;
        started = DateTime.UtcNow;
        await ProduceAsync(one, "one", 1);
        var oneTook = DateTime.UtcNow - started;

        Assert.True(allTook >= delay, $"acks=all took {allTook.TotalMilliseconds} ms with a {delay.TotalMilliseconds} ms replication delay");
        Assert.True(oneTook < allTook, $"acks=1 took {oneTook.TotalMilliseconds} ms, acks=all {allTook.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Broker_configs_by_Kafka_name_are_checked_when_the_cluster_starts()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            BrokerConfigs = new Dictionary<string, string> { ["no.such.config"] = "1" },
        }));
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            BrokerConfigs = new Dictionary<string, string> { ["min.insync.replicas"] = "two" },
        }));

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            BrokerConfigs = new Dictionary<string, string> { ["num.partitions"] = "4", ["default.replication.factor"] = "3", ["min.insync.replicas"] = "2" },
        });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic }]);
        var metadata = admin.GetMetadata(Topic, Timeout).Topics.Single();
        Assert.Equal(4, metadata.Partitions.Count);
        Assert.All(metadata.Partitions, p => Assert.Equal(3, p.Replicas.Length));
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = Topic }]);
        var minIsr = described.Single().Entries["min.insync.replicas"];
        Assert.Equal("2", minIsr.Value);
        Assert.Equal(ConfigSource.StaticBrokerConfig, minIsr.Source);
    }
}
