using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaReader = Tributary.Protocol.KafkaReader;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Messages.Internal;
using KafkaError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Faults;

/// <summary>
/// Kafka's internal topics as real clients see them: <c>__consumer_offsets</c> and <c>__transaction_state</c> are
/// internal and compacted, a group's coordinator is the leader of partition abs(hashCode(group)) % 50, committed
/// offsets are records in Kafka's format, and a crashed coordinator's groups and transactions go on at the new leader,
/// loaded from its replica of the log.
/// </summary>
public sealed class InternalTopicsTests(FaultClusterFixture fixture) : FaultClusterTests(fixture)
{
    private const string OffsetsTopic = "__consumer_offsets";

    /// <summary>Java's String.hashCode, as Kafka partitions group ids.</summary>
    private static int JavaPartition(string key)
    {
        var hash = 0;
        foreach (var c in key) hash = unchecked((31 * hash) + c);
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % 50;
    }

    [Fact]
    public async Task A_groups_coordinator_is_the_leader_of_its_consumer_offsets_partition_by_javas_string_hash()
    {
        // "my-group".hashCode() is -1906497762 in Java: Kafka puts the group in partition 12 of 50.
        Assert.Equal(12, JavaPartition("my-group"));
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", Cluster.Brokers[0].Port);
        var found = await RawRequests.RoundTripAsync<FindCoordinatorResponse>(socket, new FindCoordinatorRequest { Key = "my-group", KeyType = 0 }, 3);

        Assert.Equal(0, found.ErrorCode);
        Assert.Equal(Cluster.GetLeader(OffsetsTopic, 12), found.NodeId);
        Assert.Equal(found.NodeId, Cluster.GetGroupCoordinator("my-group"));
        var other = Cluster.Brokers.First(b => b.Id != found.NodeId);
        using var otherSocket = await RawKafkaSocket.ConnectAsync(other.Host, other.Port);
        var heartbeat = await RawRequests.RoundTripAsync<HeartbeatResponse>(otherSocket, new HeartbeatRequest { GroupId = "my-group", GenerationId = 1, MemberId = "m" }, 4);
        Assert.Equal((short)KafkaError.NotCoordinator, heartbeat.ErrorCode);
    }

    [Fact]
    public async Task Metadata_lists_the_offsets_topic_as_internal_and_describe_configs_shows_it_compacted()
    {
        Cluster.GetGroupCoordinator("any-group"); // created on first use, as Kafka does
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", Cluster.Brokers[0].Port);
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(socket, new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = OffsetsTopic }],
        }, 9);
        var topic = metadata.Topics.Single();
        Assert.True(topic.IsInternal);
        Assert.Equal(50, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.Equal(3, p.ReplicaNodes.Count));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = OffsetsTopic }]);
        Assert.Equal("compact", described.Single().Entries["cleanup.policy"].Value);
    }

    [Fact]
    public async Task Committed_offsets_are_records_of_the_groups_partition_in_kafkas_format()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var group = FaultClusterFixture.NewName("format");
        using (var consumer = Consumer(group))
        {
            consumer.Commit([new TopicPartitionOffset(topic, 0, 42)]);
        }

        var records = ReadOffsetsPartition(JavaPartition(group));

        var (key, value) = records.Last(r => r.Key[1] == InternalRecord.OffsetCommitKeyVersion);
        var keyReader = new KafkaReader(key);
        var offsetKey = OffsetCommitKey.Read(ref keyReader, InternalRecord.ReadVersion(ref keyReader));
        Assert.Equal((group, topic, 0), (offsetKey.Group, offsetKey.Topic, offsetKey.Partition));
        var valueReader = new KafkaReader(value!);
        var version = InternalRecord.ReadVersion(ref valueReader);
        Assert.Equal(3, version);
        Assert.Equal(42, OffsetCommitValue.Read(ref valueReader, version).Offset);
    }

    [Fact]
    public async Task Deleting_a_group_writes_tombstones_for_its_metadata_and_offsets()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var group = FaultClusterFixture.NewName("deleted");
        using (var consumer = Consumer(group))
        {
            consumer.Commit([new TopicPartitionOffset(topic, 0, 5)]);
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();

        await admin.DeleteGroupsAsync([group]);

        var tombstones = ReadOffsetsPartition(JavaPartition(group)).Where(r => r.Value is null).Select(r => r.Key).ToList();
        Assert.Contains(tombstones, key => key.AsSpan().SequenceEqual(InternalRecord.Encode(new OffsetCommitKey { Group = group, Topic = topic, Partition = 0 }, 1)));
        Assert.Contains(tombstones, key => key.AsSpan().SequenceEqual(InternalRecord.Encode(new GroupMetadataKey { Group = group }, 2)));
    }

    [Fact]
    public async Task A_new_coordinator_loads_a_partition_whose_log_holds_tombstones_of_a_deleted_group()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var group = FaultClusterFixture.NewName("reborn");
        using var consumer = Consumer(group);
        consumer.Commit([new TopicPartitionOffset(topic, 0, 5)]);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        await admin.DeleteGroupsAsync([group]);
        consumer.Commit([new TopicPartitionOffset(topic, 0, 7)]);
        var old = Cluster.GetGroupCoordinator(group);

        // The new leader replays the tombstones as deletions (they once read as empty values and failed the load,
        // which left the partition answering COORDINATOR_LOAD_IN_PROGRESS for good).
        await Cluster.MoveGroupCoordinatorAsync(group, Cluster.Brokers.First(b => b.Id != old).Id);

        await Eventually.TrueAsync(() => CommittedOffset(consumer, topic) == 7, "the new coordinator answers with the offset committed after the deletion");
    }

    /// <summary>The committed offset of partition 0, or null while the client finds the coordinator again.</summary>
    private static long? CommittedOffset(IConsumer<string, string> consumer, string topic)
    {
        try
        {
            return consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(5)).Single().Offset.Value;
        }
        catch (KafkaException e) when (e.Error.Code is ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress or ErrorCode.GroupCoordinatorNotAvailable
                                           or ErrorCode.Local_TimedOut)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_generation_too_large_to_store_fails_the_sync_with_unknown_server_error_and_the_group_rebalances()
    {
        var group = FaultClusterFixture.NewName("too-large");
        var coordinator = Cluster.Brokers.Single(b => b.Id == Cluster.GetGroupCoordinator(group));
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        var offsetsTopic = new ConfigResource { Type = ResourceType.Topic, Name = OffsetsTopic };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [offsetsTopic] = [new ConfigEntry { Name = "max.message.bytes", Value = "2000", IncrementalOperation = AlterConfigOpType.Set }],
        });
        try
        {
            using var socket = await RawKafkaSocket.ConnectAsync(coordinator.Host, coordinator.Port);
            var joined = await RawRequests.RoundTripAsync<JoinGroupResponse>(socket, new JoinGroupRequest
            {
                GroupId = group, SessionTimeoutMs = 10_000, RebalanceTimeoutMs = 10_000, ProtocolType = "test",
                Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "big", Metadata = new byte[3000] }],
            }, 3);
            Assert.Equal(0, joined.ErrorCode);

            // The generation's record (with the member's 3000 bytes of metadata) exceeds the offsets topic's max.message.bytes.
            var synced = await RawRequests.RoundTripAsync<SyncGroupResponse>(socket, new SyncGroupRequest
            {
                GroupId = group, GenerationId = joined.GenerationId, MemberId = joined.MemberId,
                Assignments = [new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = joined.MemberId, Assignment = [1, 2, 3] }],
            }, 3);
            var heartbeat = await RawRequests.RoundTripAsync<HeartbeatResponse>(socket,
                new HeartbeatRequest { GroupId = group, GenerationId = joined.GenerationId, MemberId = joined.MemberId }, 3);

            Assert.Equal((short)KafkaError.UnknownServerError, synced.ErrorCode);
            Assert.Empty(synced.Assignment);
            Assert.Equal((short)KafkaError.RebalanceInProgress, heartbeat.ErrorCode);
        }
        finally
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [offsetsTopic] = [new ConfigEntry { Name = "max.message.bytes", IncrementalOperation = AlterConfigOpType.Delete }],
            });
        }
    }

    [Fact]
    public async Task Committed_offsets_and_the_group_survive_a_crash_of_the_coordinator()
    {
        var group = FaultClusterFixture.NewName("crash");
        var (topic, consumer) = await CommittingGroupAsync(group);
        using var _ = consumer;
        var old = Cluster.GetGroupCoordinator(group);
        Assert.Equal(Cluster.GetLeader(OffsetsTopic, JavaPartition(group)), old);
        Cluster.Requests.StartRecording();

        await Cluster.CrashBrokerAsync(old);

        await Eventually.TrueAsync(() => Cluster.GetGroupCoordinator(group) is > 0 and var now && now != old, "another replica leads the offsets partition");
        var coordinator = Cluster.GetGroupCoordinator(group);
        await Eventually.TrueAsync(() => HeartbeatSucceededAt(group, coordinator), "the consumer heartbeats at the new coordinator");
        var second = ConsumeOne(consumer);
        consumer.Commit(second);
        Assert.Contains(Cluster.Requests.GetRecorded(), r => r.ApiKey == ApiKey.OffsetCommit && r.BrokerId == coordinator);
        Assert.Equal(second.Offset + 1, consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
        Assert.Equal(ConsumerGroupState.Stable, described.State);
    }

    [Fact]
    public async Task A_transaction_commits_at_the_new_coordinator_after_its_coordinator_crashes_between_AddPartitions_and_EndTxn()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var transactionalId = FaultClusterFixture.NewName("txn-crash");
        using var producer = TransactionalProducer(transactionalId);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "in-txn" });
        var old = Cluster.GetTransactionCoordinator(transactionalId);

        await Cluster.CrashBrokerAsync(old);
        producer.CommitTransaction(TimeSpan.FromSeconds(60));

        Assert.NotEqual(old, Cluster.GetTransactionCoordinator(transactionalId));
        Assert.Equal(["in-txn"], Fixture.ReadAll(topic, 1));
    }

    [Fact]
    public async Task A_transactional_id_is_loaded_from_the_log_by_its_new_coordinator_and_its_producer_carries_on()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var transactionalId = FaultClusterFixture.NewName("txn-load");
        using var producer = TransactionalProducer(transactionalId);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "committed" });
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        var old = Cluster.GetTransactionCoordinator(transactionalId);

        await Cluster.MoveTransactionCoordinatorAsync(transactionalId, Cluster.Brokers.First(b => b.Id != old).Id);

        // The new coordinator knows the id from the log: the producer carries on with its epoch.
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "after-move" });
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(["committed", "after-move"], Fixture.ReadAll(topic, 2));
    }

    /// <summary>Every record of one partition of <c>__consumer_offsets</c>, read by a plain consumer from its start.</summary>
    private List<(byte[] Key, byte[]? Value)> ReadOffsetsPartition(int partition) => OffsetsTopicReader.ReadPartition(Cluster.BootstrapServers, partition);

}
