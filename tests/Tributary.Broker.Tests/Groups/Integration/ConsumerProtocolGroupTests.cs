using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>One cluster for the consumer-protocol tests: heartbeats every 250 ms, sessions of 6 s, so rebalances and fencing are quick.</summary>
public sealed class ConsumerProtocolCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Brokers = 3,
        ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(250),
        ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(6),
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Real Confluent.Kafka consumers with <c>group.protocol=consumer</c> (KIP-848) against the embedded cluster.</summary>
public sealed class ConsumerProtocolGroupTests(ConsumerProtocolCluster fixture) : IClassFixture<ConsumerProtocolCluster>
{
    private const int Partitions = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly EmbeddedKafkaCluster _cluster = fixture.Cluster;

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<string> NewTopicAsync(int partitions = Partitions)
    {
        var topic = NewName("kip848");
        await _cluster.CreateTopicAsync(topic, partitions, replicationFactor: 2);
        return topic;
    }

    private GroupConsumer Consumer(string groupId, string topic, string name, string? instanceId = null, string? regex = null, bool autoCommit = false) =>
        new(_cluster.BootstrapServers, groupId, topic, name, instanceId, GroupProtocol.Consumer, regex, autoCommit);

    private IProducer<string, string> Producer() =>
        new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();

    /// <summary>Produces to every partition of <paramref name="topic"/> until cancelled; returns how many records went out.</summary>
    private async Task<int> ProduceContinuouslyAsync(string topic, CancellationToken stop)
    {
        using var producer = Producer();
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            for (var partition = 0; partition < Partitions; partition++)
                producer.Produce(new TopicPartition(topic, partition), new Message<string, string> { Key = $"{partition}-{sent}", Value = "v" });
            sent += Partitions;
            await Task.Delay(20, CancellationToken.None);
        }
        Assert.Equal(0, producer.Flush(Patience));
        return sent;
    }

    private static Task EventuallyAsync(Func<bool> condition, string what) => GroupConsumer.EventuallyAsync(condition, what, Patience);

    private static ISet<int> PartitionsOf(GroupConsumer consumer) => consumer.Partitions;

    /// <summary>Every partition has exactly one owner among <paramref name="members"/>.</summary>
    private static bool EachPartitionHasOneOwner(IReadOnlyCollection<GroupConsumer> members, int partitions = Partitions)
    {
        var owned = members.SelectMany(PartitionsOf).ToList();
        return owned.Count == partitions && owned.Distinct().Count() == partitions;
    }

    [Fact]
    public async Task Members_join_one_by_one_then_leave_one_by_one_and_every_partition_always_ends_with_exactly_one_owner()
    {
        var topic = await NewTopicAsync();
        var groupId = NewName("group");
        var members = new List<GroupConsumer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                members.Add(Consumer(groupId, topic, $"member-{i}"));
                await EventuallyAsync(() => members.All(m => PartitionsOf(m).Count > 0) && EachPartitionHasOneOwner(members),
                    $"{members.Count} members share every partition, each partition with one owner");
            }
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
            var description = (await admin.DescribeConsumerGroupsAsync([groupId])).ConsumerGroupDescriptions.Single();
            Assert.Equal(ConsumerGroupState.Stable, description.State);
            Assert.Equal(Partitions, description.Members.Sum(m => m.Assignment.TopicPartitions.Count));
            Assert.Equal(members.Select(m => m.MemberId).Order(), description.Members.Select(m => m.ConsumerId).Order());

            while (members.Count > 1)
            {
                members[0].Dispose();
                members.RemoveAt(0);
                await EventuallyAsync(() => EachPartitionHasOneOwner(members), $"the {members.Count} remaining members own every partition once");
            }
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public async Task Under_continuous_produce_no_record_is_read_twice_unless_a_commit_was_lost_while_members_come_and_go_and_a_successor_resumes_at_the_commits()
    {
        var topic = await NewTopicAsync();
        var groupId = NewName("group");
        using var stopProducing = new CancellationTokenSource();
        var producing = ProduceContinuouslyAsync(topic, stopProducing.Token);
        var members = new List<GroupConsumer>();
        var everyone = new List<GroupConsumer>();
        GroupConsumer Join(string name)
        {
            var member = Consumer(groupId, topic, name, autoCommit: true);
            members.Add(member);
            everyone.Add(member);
            return member;
        }
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Join($"member-{i}");
                await EventuallyAsync(() => members.All(m => PartitionsOf(m).Count > 0) && EachPartitionHasOneOwner(members), $"{members.Count} members share the partitions");
                await Task.Delay(300);
            }
            while (members.Count > 1)
            {
                members[0].Dispose();
                members.RemoveAt(0);
                await EventuallyAsync(() => EachPartitionHasOneOwner(members), $"the {members.Count} remaining members own every partition once");
                await Task.Delay(300);
            }
            await stopProducing.CancelAsync();
            var sent = await producing;
            var last = members.Single();
            await EventuallyAsync(() => everyone.Sum(m => m.Received.Count) >= sent, "the group read every record");
            last.Dispose();

            // Every record is read, and none twice through an orderly handover: librdkafka commits what it read of
            // revoked partitions, and waits for that commit, before it acknowledges the revocation or leaves, and the
            // coordinator gives a partition to its next owner only after that. Kafka allows a repeat only when the
            // client's commits do not hold: a lost assignment (a fenced member commits nothing, so what it read since
            // its last auto-commit is read again), or an older auto-commit that librdkafka retried after a newer one.
            // Both happen on a loaded machine: librdkafka times a request out after one heartbeat interval (250 ms
            // here) and reconnects, retrying its commits; a heartbeat that the coordinator did process (bumping the
            // epoch) is followed by one at the previous epoch without the owned partitions, which Kafka fences.
            var read = everyone.SelectMany(m => m.Received.Select((r, index) => (Member: m, Index: index, Record: (r.Partition.Value, r.Offset.Value)))).ToList();
            Assert.Equal(sent, read.Select(r => r.Record).Distinct().Count());
            Assert.Empty(read.GroupBy(r => r.Record)
                .Where(g => g.Count() > 1 && !g.Any(ReadBeforeItsReaderLostThePartition) && !everyone.Any(m => m.CommitWentBackOver(g.Key.Item1, g.Key.Item2)))
                .Select(g => g.Key));

            // A member that joins later starts where the group committed: after everything read so far.
            using (var producer = Producer())
            {
                producer.Produce(new TopicPartition(topic, 0), new Message<string, string> { Key = "after", Value = "v" });
                Assert.Equal(0, producer.Flush(Patience));
            }
            using var successor = Join("successor");
            await EventuallyAsync(() => !successor.Received.IsEmpty, "the successor reads the new record");
            await Task.Delay(500);
            Assert.Equal(["after"], successor.Received.Select(r => r.Message.Key));
        }
        finally
        {
            await stopProducing.CancelAsync();
            await producing.WaitAsync(Patience);
            members.ForEach(m => m.Dispose());
        }
    }

    /// <summary>Whether the member that read the record lost the record's partition afterwards (so it never committed it).</summary>
    private static bool ReadBeforeItsReaderLostThePartition((GroupConsumer Member, int Index, (int Partition, long Offset) Record) read) =>
        read.Member.Losses.Any(loss => read.Index < loss.ReceivedBefore && loss.Partitions.Contains(read.Record.Partition));

    [Fact]
    public async Task A_static_member_that_restarts_within_its_session_timeout_gets_its_partitions_back_without_a_reassignment()
    {
        var topic = await NewTopicAsync();
        var groupId = NewName("group");
        using var steady = Consumer(groupId, topic, "steady", instanceId: "steady-instance");
        var restarting = Consumer(groupId, topic, "restarting", instanceId: "restarting-instance");
        await EventuallyAsync(() => PartitionsOf(steady).Count > 0 && PartitionsOf(restarting).Count > 0 && EachPartitionHasOneOwner([steady, restarting]),
            "both members have partitions");
        var partitionsBefore = PartitionsOf(restarting);
        var steadyPartitions = PartitionsOf(steady);
        var steadyAssignments = steady.AssignmentCount;

        restarting.Dispose();
        using var restarted = Consumer(groupId, topic, "restarted", instanceId: "restarting-instance");
        await EventuallyAsync(() => PartitionsOf(restarted).Count > 0, "the restarted member has partitions");
        // A reassignment would reach the steady member within a few heartbeats: give it time to show.
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(partitionsBefore, PartitionsOf(restarted));
        Assert.Equal(steadyPartitions, PartitionsOf(steady));
        Assert.Equal(steadyAssignments, steady.AssignmentCount);
    }

    [Fact]
    public async Task A_regular_expression_subscription_picks_up_a_topic_created_later()
    {
        var prefix = NewName("regex");
        var first = $"{prefix}-first";
        await _cluster.CreateTopicAsync(first, 2);
        using var member = Consumer(NewName("group"), first, "regex-member", regex: $"^{prefix}-.*");
        await EventuallyAsync(() => member.Assignment.Count == 2, "the member owns the matching topic's partitions");

        var later = $"{prefix}-later";
        await _cluster.CreateTopicAsync(later, 3);
        await EventuallyAsync(() => member.Assignment.Count == 5, "the member also owns the new topic's partitions");
        using (var producer = Producer())
        {
            producer.Produce(later, new Message<string, string> { Key = "late", Value = "v" });
            Assert.Equal(0, producer.Flush(Patience));
        }
        await EventuallyAsync(() => member.Received.Any(r => r.Topic == later && r.Message.Key == "late"), "the member reads the new topic");
    }

    [Fact]
    public async Task A_member_that_stops_heartbeating_is_fenced_and_its_partitions_move_to_the_others()
    {
        var topic = await NewTopicAsync();
        var groupId = NewName("group");
        using var survivor = Consumer(groupId, topic, "survivor");
        var crashing = Consumer(groupId, topic, "crashing");
        await EventuallyAsync(() => PartitionsOf(crashing).Count > 0 && EachPartitionHasOneOwner([survivor, crashing]), "both members have partitions");

        crashing.Crash();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(PartitionsOf(survivor).Count < Partitions, "the partitions move only once the session timed out");
        await EventuallyAsync(() => PartitionsOf(survivor).Count == Partitions, "the survivor owns every partition");
    }

    [Fact]
    public async Task Admin_clients_see_the_group_type_state_members_and_target_assignment()
    {
        var topic = await NewTopicAsync();
        var consumerGroup = NewName("group");
        using var member = Consumer(consumerGroup, topic, "described");
        await EventuallyAsync(() => PartitionsOf(member).Count == Partitions, "the member owns every partition");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var description = (await admin.DescribeConsumerGroupsAsync([consumerGroup])).ConsumerGroupDescriptions.Single();
        Assert.Equal(ConsumerGroupType.Consumer, description.GroupType);
        Assert.Equal(ConsumerGroupState.Stable, description.State);
        Assert.Equal("uniform", description.PartitionAssignor);
        var described = Assert.Single(description.Members);
        Assert.Equal("described", described.ClientId);
        Assert.Equal(Enumerable.Range(0, Partitions), described.Assignment.TopicPartitions.Select(tp => tp.Partition.Value).Order());
        Assert.Equal(Enumerable.Range(0, Partitions), described.TargetAssignment!.TopicPartitions.Select(tp => tp.Partition.Value).Order());

        var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchTypes = [ConsumerGroupType.Consumer] });
        var listing = Assert.Single(listed.Valid, g => g.GroupId == consumerGroup);
        Assert.Equal(ConsumerGroupType.Consumer, listing.Type);
        Assert.Equal(ConsumerGroupState.Stable, listing.State);
    }

    [Fact]
    public async Task A_classic_group_upgrades_online_when_a_consumer_protocol_member_joins_and_downgrades_when_it_leaves()
    {
        var topic = await NewTopicAsync();
        var groupId = NewName("group");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        async Task<ConsumerGroupType> TypeAsync() => (await admin.ListConsumerGroupsAsync()).Valid.Single(g => g.GroupId == groupId).Type;

        using var classicA = new GroupConsumer(_cluster.BootstrapServers, groupId, topic, "classic-a");
        using var classicB = new GroupConsumer(_cluster.BootstrapServers, groupId, topic, "classic-b");
        await EventuallyAsync(() => PartitionsOf(classicA).Count > 0 && PartitionsOf(classicB).Count > 0 && EachPartitionHasOneOwner([classicA, classicB]),
            "the classic members share the partitions");
        Assert.Equal(ConsumerGroupType.Classic, await TypeAsync());

        var upgraded = Consumer(groupId, topic, "new-protocol");
        await EventuallyAsync(() => new[] { classicA, classicB, upgraded }.All(m => PartitionsOf(m).Count > 0) && EachPartitionHasOneOwner([classicA, classicB, upgraded]),
            "classic and consumer-protocol members share the partitions in one group");
        Assert.Equal(ConsumerGroupType.Consumer, await TypeAsync());

        upgraded.Dispose();
        await EventuallyAsync(() => EachPartitionHasOneOwner([classicA, classicB]) && PartitionsOf(classicA).Count > 0 && PartitionsOf(classicB).Count > 0,
            "the classic members take the partitions back");
        Assert.Equal(ConsumerGroupType.Classic, await TypeAsync());
    }
}
