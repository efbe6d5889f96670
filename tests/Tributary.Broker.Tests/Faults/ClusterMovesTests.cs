using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Protocol.Messages;
using KafkaError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Faults;

/// <summary>
/// Leaders and coordinators moved by the test, as Confluent.Kafka sees it: NOT_LEADER_OR_FOLLOWER and
/// NOT_COORDINATOR from the old broker, rediscovery, and work that goes on. And ListGroups per coordinator.
/// </summary>
public sealed class ClusterMovesTests(FaultClusterFixture fixture) : FaultClusterTests(fixture)
{
    private int OtherThan(int brokerId) => Cluster.Brokers.Select(b => b.Id).First(id => id != brokerId);

    [Fact]
    public async Task Producers_and_consumers_follow_a_moved_leader()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "before");
        await Eventually.TrueAsync(() => ISR(topic).Length == 3, "every replica is in sync");
        var target = OtherThan(leader);
        Cluster.Requests.StartRecording();

        await Cluster.MoveLeaderAsync(topic, 0, target);

        Assert.Equal(target, Cluster.GetLeader(topic, 0));
        await FaultClusterFixture.ProduceAsync(producer, topic, "after");
        Assert.Contains(Cluster.Requests.GetRecorded(), r => r.ApiKey == ApiKey.Produce && r.BrokerId == target);
        Assert.Equal(["before", "after"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public async Task The_old_leader_answers_NOT_LEADER_OR_FOLLOWER_after_a_move()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        await Eventually.TrueAsync(() => ISR(topic).Length == 3, "every replica is in sync");
        var broker = Cluster.Brokers.Single(b => b.Id == leader);
        await Cluster.MoveLeaderAsync(topic, 0, OtherThan(leader));

        using var socket = await RawKafkaSocket.ConnectAsync(broker.Host, broker.Port);
        var response = await RawRequests.RoundTripAsync<ListOffsetsResponse>(socket, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = -1 }] }],
        }, 4);

        Assert.Equal((short)KafkaError.NotLeaderOrFollower, response.Topics.Single().Partitions.Single().ErrorCode);
    }

    [Fact]
    public async Task A_leader_moves_only_to_a_running_in_sync_replica()
    {
        var topic = FaultClusterFixture.NewName("moves");
        await Cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 2);
        var replicas = Metadata(topic).Replicas;
        var outsider = Cluster.Brokers.Select(b => b.Id).Single(id => !replicas.Contains(id));

        var notReplica = await Assert.ThrowsAsync<EmbeddedKafkaException>(() => Cluster.MoveLeaderAsync(topic, 0, outsider));
        Assert.Equal(KafkaError.PreferredLeaderNotAvailable, notReplica.Error);
        Assert.Contains("not one of its replicas", notReplica.Message);

        var follower = replicas.Single(id => id != Cluster.GetLeader(topic, 0));
        await Cluster.StopBrokerAsync(follower);
        var stopped = await Assert.ThrowsAsync<EmbeddedKafkaException>(() => Cluster.MoveLeaderAsync(topic, 0, follower));
        Assert.Contains("not running", stopped.Message);

        await Cluster.MoveLeaderAsync(topic, 0, Cluster.GetLeader(topic, 0)); // already leads: nothing to do
        var unknown = await Assert.ThrowsAsync<EmbeddedKafkaException>(() => Cluster.MoveLeaderAsync(topic, 7, 1));
        Assert.Equal(KafkaError.UnknownTopicOrPartition, unknown.Error);
    }

    [Fact]
    public async Task A_consumer_rediscovers_its_moved_group_coordinator_and_keeps_committing()
    {
        var group = FaultClusterFixture.NewName("group");
        var (topic, consumer) = await CommittingGroupAsync(group);
        using var _ = consumer;
        var old = Cluster.GetGroupCoordinator(group);
        var target = OtherThan(old);
        Cluster.Requests.StartRecording();

        await Cluster.MoveGroupCoordinatorAsync(group, target);
        Assert.Equal(target, Cluster.GetGroupCoordinator(group));
        await Eventually.TrueAsync(() => HeartbeatSucceededAt(group, target), "the consumer heartbeats at the new coordinator");
        var second = ConsumeOne(consumer);
        consumer.Commit(second);

        var recorded = Cluster.Requests.GetRecorded();
        Assert.Contains(recorded, r => r.BrokerId == old && r.Response is HeartbeatResponse { ErrorCode: (short)KafkaError.NotCoordinator });
        Assert.Contains(recorded, r => r.ApiKey == ApiKey.FindCoordinator);
        Assert.Contains(recorded, r => r.ApiKey == ApiKey.OffsetCommit && r.BrokerId == target);
        var committed = consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single();
        Assert.Equal(second.Offset + 1, committed.Offset);
    }

    [Fact]
    public async Task A_transactional_producer_rediscovers_its_moved_coordinator_and_commits()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var transactionalId = FaultClusterFixture.NewName("txn");
        using var producer = TransactionalProducer(transactionalId);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "in-txn" });
        var old = Cluster.GetTransactionCoordinator(transactionalId);
        Cluster.Requests.StartRecording();

        await Cluster.MoveTransactionCoordinatorAsync(transactionalId, OtherThan(old));
        producer.CommitTransaction(TimeSpan.FromSeconds(30));

        var endTxns = Cluster.Requests.GetRecorded().Where(r => r.ApiKey == ApiKey.EndTxn).ToList();
        Assert.Equal((short)KafkaError.NotCoordinator, ((EndTxnResponse)endTxns.First().Response!).ErrorCode);
        Assert.Equal(0, ((EndTxnResponse)endTxns.Last().Response!).ErrorCode);
        Assert.Equal(Cluster.GetTransactionCoordinator(transactionalId), endTxns.Last().BrokerId);
        Assert.Equal(["in-txn"], Fixture.ReadAll(topic, 1));
    }

    [Fact]
    public async Task Each_broker_lists_only_the_groups_it_coordinates()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var groups = Enumerable.Range(0, 6).Select(_ => FaultClusterFixture.NewName("listed")).ToList();
        await Cluster.MoveGroupCoordinatorAsync(groups[0], 1);
        await Cluster.MoveGroupCoordinatorAsync(groups[1], 2);
        await Cluster.MoveGroupCoordinatorAsync(groups[2], 3);
        foreach (var group in groups)
        {
            using var consumer = Consumer(group);
            consumer.Commit([new TopicPartitionOffset(topic, 0, 0)]);
        }

        var listedBy = new Dictionary<string, List<int>>();
        foreach (var broker in Cluster.Brokers)
        {
            using var socket = await RawKafkaSocket.ConnectAsync(broker.Host, broker.Port);
            var response = await RawRequests.RoundTripAsync<ListGroupsResponse>(socket, new ListGroupsRequest(), 4);
            foreach (var listed in response.Groups.Where(g => groups.Contains(g.GroupId)))
                (listedBy.TryGetValue(listed.GroupId, out var brokers) ? brokers : listedBy[listed.GroupId] = []).Add(broker.Id);
        }

        Assert.Equal(groups.Order(), listedBy.Keys.Order());
        foreach (var group in groups) Assert.Equal([Cluster.GetGroupCoordinator(group)], listedBy[group]);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        var all = (await admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId).Where(groups.Contains).ToList();
        Assert.Equal(groups.Order(), all.Order());
    }

    private int[] ISR(string topic) => Metadata(topic).InSyncReplicas;
}
