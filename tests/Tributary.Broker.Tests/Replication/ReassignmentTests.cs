using System.Collections.Concurrent;
using Confluent.Kafka;
using Tributary.Protocol.Messages;
using ProtocolError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Replication;

/// <summary>Four brokers with a short replica.lag.time.max.ms, shared by the reassignment and election tests (each uses its own topic).</summary>
public sealed class FourBrokerCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 4, ReplicaLagTimeMax = TimeSpan.FromMilliseconds(500) });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// AlterPartitionReassignments and ListPartitionReassignments (KIP-455) as KRaft answers them, and ElectLeaders
/// (preferred and unclean) through Confluent.Kafka's admin client: replicas move while a producer keeps writing with
/// acks=all, and every acknowledged record is there afterwards.
/// </summary>
public sealed class ReassignmentTests(FourBrokerCluster fixture) : IClassFixture<FourBrokerCluster>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly EmbeddedKafkaCluster _cluster = fixture.Cluster;

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

    private PartitionMetadata Partition(string topic)
    {
        using var admin = Admin();
        return admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Single();
    }

    private async Task<T> SendAsync<T>(IKafkaRequest request, short version) where T : IKafkaResponse
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        return await RawRequests.RoundTripAsync<T>(socket, request, version);
    }

    private async Task<AlterPartitionReassignmentsResponse.ReassignablePartitionResponse> ReassignAsync(string topic, int partition, List<int>? replicas)
    {
        var response = await SendAsync<AlterPartitionReassignmentsResponse>(new AlterPartitionReassignmentsRequest
        {
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, Replicas = replicas }] }],
        }, 0);
        Assert.Equal((short)ProtocolError.None, response.ErrorCode);
        return response.Responses.Single().Partitions.Single();
    }

    private async Task<List<ListPartitionReassignmentsResponse.OngoingTopicReassignment>> ListAsync(string? topic = null) =>
        (await SendAsync<ListPartitionReassignmentsResponse>(new ListPartitionReassignmentsRequest
        {
            Topics = topic is null ? null : [new() { Name = topic, PartitionIndexes = [0] }],
        }, 0)).Topics;

    [Fact]
    public async Task Replicas_move_while_a_producer_writes_with_acks_all_and_every_acknowledged_record_survives()
    {
        const string topic = "moving";
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3);
        var before = Partition(topic);
        var newcomer = _cluster.Brokers.Select(b => b.Id).Single(id => !before.Replicas.Contains(id));
        // The leader leaves: the move ends with a hand-over to the first target replica.
        List<int> target = [newcomer, before.Replicas[1], before.Replicas[2]];

        var acknowledged = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var producing = Task.Run(() => ProduceUntil(topic, acknowledged, stop.Token));
        await Eventually.TrueAsync(() => acknowledged.Count > 100, "the producer is writing");

        _cluster.PauseReplication(newcomer);
        try
        {
            Assert.Equal((short)ProtocolError.None, (await ReassignAsync(topic, 0, target)).ErrorCode);
            var ongoing = Assert.Single(Assert.Single(await ListAsync(topic)).Partitions);
            Assert.Equal(target.Append(before.Replicas[0]), ongoing.Replicas);
            Assert.Equal([newcomer], ongoing.AddingReplicas);
            Assert.Equal([before.Replicas[0]], ongoing.RemovingReplicas);
            Assert.Equal(before.Leader, Partition(topic).Leader);
        }
        finally
        {
            _cluster.ResumeReplication(newcomer);
        }

        await Eventually.TrueAsync(() => Partition(topic).Replicas.SequenceEqual(target), "the reassignment completed");
        Assert.Empty(await ListAsync());
        var after = Partition(topic);
        Assert.Equal(newcomer, after.Leader);
        var countAtMove = acknowledged.Count;
        await Eventually.TrueAsync(() => acknowledged.Count > countAtMove + 100, "the producer goes on writing to the new leader");
        await stop.CancelAsync();
        await producing;

        var stored = ConsumeAll(topic, acknowledged.Count);
        Assert.Empty(acknowledged.Except(stored));
    }

    /// <summary>Produces with acks=all until cancelled, keeping the values the broker acknowledged.</summary>
    private void ProduceUntil(string topic, ConcurrentQueue<string> acknowledged, CancellationToken stop)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, Acks = Acks.All, EnableIdempotence = true, LingerMs = 2, TopicMetadataRefreshIntervalMs = 500,
        }).Build();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var value = $"v-{i}";
            producer.Produce(topic, new Message<Null, string> { Value = value }, report =>
            {
                if (report.Error.Code == ErrorCode.NoError) acknowledged.Enqueue(value);
            });
            if (i % 100 == 99) Thread.Sleep(5);
        }
        producer.Flush(Timeout);
    }

    private HashSet<string> ConsumeAll(string topic, int atLeast)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, GroupId = $"check-{Guid.NewGuid():N}", EnableAutoCommit = false, EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new HashSet<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null) continue;
            if (record.IsPartitionEOF)
            {
                if (values.Count >= atLeast) break;
                continue;
            }
            values.Add(record.Message.Value);
        }
        return values;
    }

    [Fact]
    public async Task Moving_every_replica_off_a_broker_lets_it_be_removed_with_the_records_kept()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await cluster.CreateTopicAsync("decommission", partitions: 3, replicationFactor: 2);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 30; i++) producer.Produce(new TopicPartition("decommission", i % 3), new Message<Null, string> { Value = $"d-{i}" });
            Assert.Equal(0, producer.Flush(Timeout));
        }
        const int leaving = 1;
        await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.RemoveBrokerAsync(leaving));

        using (var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers.Single(b => b.Id == 2).Port))
        {
            var response = await RawRequests.RoundTripAsync<AlterPartitionReassignmentsResponse>(socket, new AlterPartitionReassignmentsRequest
            {
                Topics = [new() { Name = "decommission", Partitions = Enumerable.Range(0, 3).Select(p => new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = p, Replicas = [2, 3] }).ToList() }],
            }, 0);
            Assert.All(response.Responses.Single().Partitions, p => Assert.Equal((short)ProtocolError.None, p.ErrorCode));
        }
        await Eventually.TrueAsync(() => Enumerable.Range(0, 3).All(p => cluster.GetLeader("decommission", p) is 2 or 3)
            && Enumerable.Range(0, 3).All(p => !DescribeReplicas(cluster, p).Contains(leaving)), "every replica left broker 1");
        await cluster.StopBrokerAsync(leaving);
        await cluster.RemoveBrokerAsync(leaving);

        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "after-removal", EnablePartitionEof = true }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset("decommission", p, Offset.Beginning)));
        var values = new HashSet<string>();
        var ended = 0;
        var deadline = DateTime.UtcNow + Timeout;
        while (ended < 3 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not { } record) continue;
            if (record.IsPartitionEOF) ended++;
            else values.Add(record.Message.Value);
        }
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"d-{i}").ToHashSet(), values);
    }

    private static int[] DescribeReplicas(EmbeddedKafkaCluster cluster, int partition)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        return admin.GetMetadata("decommission", Timeout).Topics.Single().Partitions.Single(p => p.PartitionId == partition).Replicas;
    }

    [Fact]
    public async Task A_reassignment_in_progress_can_be_cancelled_back_to_the_replicas_before_it()
    {
        const string topic = "cancelled";
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 2);
        var before = Partition(topic);
        var others = _cluster.Brokers.Select(b => b.Id).Where(id => !before.Replicas.Contains(id)).ToList();

        foreach (var id in others) _cluster.PauseReplication(id);
        try
        {
            Assert.Equal((short)ProtocolError.None, (await ReassignAsync(topic, 0, others)).ErrorCode);
            Assert.Equal(others, Assert.Single(Assert.Single(await ListAsync(topic)).Partitions).AddingReplicas);

            Assert.Equal((short)ProtocolError.None, (await ReassignAsync(topic, 0, null)).ErrorCode);
        }
        finally
        {
            foreach (var id in others) _cluster.ResumeReplication(id);
        }

        Assert.Empty(await ListAsync(topic));
        var after = Partition(topic);
        Assert.Equal(before.Replicas, after.Replicas);
        Assert.Equal(before.Leader, after.Leader);
        var again = await ReassignAsync(topic, 0, null);
        Assert.Equal((short)ProtocolError.NoReassignmentInProgress, again.ErrorCode);
    }

    [Fact]
    public async Task Bad_reassignments_get_kafkas_errors_per_partition()
    {
        const string topic = "refused";
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 1);

        Assert.Equal((short)ProtocolError.UnknownTopicOrPartition, (await ReassignAsync("no-such-topic", 0, [1])).ErrorCode);
        Assert.Equal((short)ProtocolError.UnknownTopicOrPartition, (await ReassignAsync(topic, 7, [1])).ErrorCode);
        Assert.Equal((short)ProtocolError.InvalidReplicaAssignment, (await ReassignAsync(topic, 0, [])).ErrorCode);
        Assert.Equal((short)ProtocolError.InvalidReplicaAssignment, (await ReassignAsync(topic, 0, [1, 1])).ErrorCode);
        var unknown = await ReassignAsync(topic, 0, [1, 99]);
        Assert.Equal((short)ProtocolError.InvalidReplicaAssignment, unknown.ErrorCode);
        Assert.Contains("99", unknown.ErrorMessage);
    }

    [Fact]
    public async Task A_smaller_replica_set_of_in_sync_replicas_takes_effect_at_once()
    {
        const string topic = "shrunk";
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3);
        var before = Partition(topic);

        Assert.Equal((short)ProtocolError.None, (await ReassignAsync(topic, 0, [before.Replicas[1]])).ErrorCode);

        var after = Partition(topic);
        Assert.Equal([before.Replicas[1]], after.Replicas);
        Assert.Equal(before.Replicas[1], after.Leader);
        Assert.Empty(await ListAsync(topic));
    }

    /// <summary>A new RF3 topic whose leadership moved from its preferred (first) replica to the second; returns the replicas.</summary>
    private async Task<int[]> CreateLedByTheSecondReplicaAsync(string topic)
    {
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3);
        var replicas = Partition(topic).Replicas;
        await _cluster.MoveLeaderAsync(topic, 0, replicas[1]);
        return replicas;
    }

    [Fact]
    public async Task Preferred_election_through_the_admin_client_gives_leadership_back_to_the_first_replica()
    {
        const string topic = "preferred";
        var replicas = await CreateLedByTheSecondReplicaAsync(topic);
        using var admin = Admin();
        var partition = new TopicPartition(topic, 0);

        var result = await admin.ElectLeadersAsync(ElectionType.Preferred, [partition]);

        Assert.Equal(ErrorCode.NoError, Assert.Single(result.TopicPartitions).Error.Code);
        Assert.Equal(replicas[0], Partition(topic).Leader);
        var again = await Assert.ThrowsAsync<Confluent.Kafka.Admin.ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [partition]));
        Assert.Equal(ErrorCode.ElectionNotNeeded, Assert.Single(again.Results.TopicPartitions).Error.Code);
    }

    [Fact]
    public async Task Preferred_election_is_refused_while_the_preferred_replica_is_out_of_the_isr()
    {
        const string topic = "preferred-lagging";
        var replicas = await CreateLedByTheSecondReplicaAsync(topic);
        _cluster.PauseReplication(replicas[0]);
        try
        {
            using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, Acks = Acks.Leader }).Build())
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = "not copied" });
            await Eventually.TrueAsync(() => !Partition(topic).InSyncReplicas.Contains(replicas[0]), "the paused preferred replica left the ISR");
            using var admin = Admin();

            var refused = await Assert.ThrowsAsync<Confluent.Kafka.Admin.ElectLeadersException>(() =>
                admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition(topic, 0)]));

            Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, Assert.Single(refused.Results.TopicPartitions).Error.Code);
            Assert.Equal(replicas[1], Partition(topic).Leader);
        }
        finally
        {
            _cluster.ResumeReplication(replicas[0]);
        }
    }

    [Fact]
    public async Task Unclean_election_gives_an_offline_partition_an_out_of_sync_leader_and_is_not_needed_once_it_has_one()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 2, ReplicaLagTimeMax = TimeSpan.FromMilliseconds(300) });
        await cluster.CreateTopicAsync("offline", partitions: 1, replicationFactor: 2);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var leader = admin.GetMetadata("offline", Timeout).Topics.Single().Partitions.Single().Leader;
        var follower = cluster.Brokers.Single(b => b.Id != leader).Id;
        cluster.PauseReplication(follower);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.Leader }).Build())
            await producer.ProduceAsync("offline", new Message<Null, string> { Value = "only on the leader" });
        await Eventually.TrueAsync(() => admin.GetMetadata("offline", Timeout).Topics.Single().Partitions.Single().InSyncReplicas.SequenceEqual([leader]),
            "the paused follower left the ISR");
        await cluster.CrashBrokerAsync(leader);
        cluster.ResumeReplication(follower);
        Assert.Equal(-1, cluster.GetLeader("offline", 0));

        // A new admin client, bootstrapped with the live broker: the first one may still send ElectLeaders to the
        // crashed broker it knew as the controller, and librdkafka fails that request with a transport error instead of
        // asking for new metadata (seen once in CI).
        var live = cluster.Brokers.Single(b => b.Id == follower);
        using var liveAdmin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = $"{live.Host}:{live.Port}" }).Build();
        var result = await liveAdmin.ElectLeadersAsync(ElectionType.Unclean, [new TopicPartition("offline", 0)]);

        Assert.Equal(ErrorCode.NoError, Assert.Single(result.TopicPartitions).Error.Code);
        Assert.Equal(follower, cluster.GetLeader("offline", 0));
        // Now that it has a leader, another unclean election is not needed.
        var notNeeded = await Assert.ThrowsAsync<Confluent.Kafka.Admin.ElectLeadersException>(() =>
            liveAdmin.ElectLeadersAsync(ElectionType.Unclean, [new TopicPartition("offline", 0)]));
        Assert.Equal(ErrorCode.ElectionNotNeeded, Assert.Single(notNeeded.Results.TopicPartitions).Error.Code);
    }

    [Fact]
    public async Task Unclean_election_with_no_live_replica_is_eligible_leaders_not_available()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 2 });
        await cluster.CreateTopicAsync("gone", partitions: 1, replicationFactor: 1);
        var holder = cluster.GetLeader("gone", 0);
        await cluster.CrashBrokerAsync(holder);
        var live = cluster.Brokers.Single(b => b.Id != holder);

        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", live.Port);
        var response = await RawRequests.RoundTripAsync<ElectLeadersResponse>(socket, new ElectLeadersRequest
        {
            ElectionType = 1,
            TopicPartitions = [new() { Topic = "gone", Partitions = [0, 5] }],
        }, 2);

        Assert.Equal((short)ProtocolError.None, response.ErrorCode);
        var results = Assert.Single(response.ReplicaElectionResults).PartitionResult;
        Assert.Equal((short)ProtocolError.EligibleLeadersNotAvailable, results[0].ErrorCode);
        Assert.Equal((short)ProtocolError.UnknownTopicOrPartition, results[1].ErrorCode);
    }
}
