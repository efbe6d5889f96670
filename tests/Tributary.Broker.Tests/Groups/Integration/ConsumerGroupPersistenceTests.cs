using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Tributary.Broker.Cluster;
using OffsetsLog = Tributary.Broker.Groups.OffsetsLog;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Messages.Internal;
using KafkaReader = Tributary.Protocol.KafkaReader;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>
/// Consumer groups of the new protocol (KIP-848) kept in <c>__consumer_offsets</c> as Kafka keeps them: Confluent.Kafka
/// members with <c>group.protocol=consumer</c> go on at their member epoch with their partitions when the coordinator
/// moves to another broker or the cluster restarts on its data directory, without a rebalance, and the group's records
/// are in the log under Kafka's key versions 3 to 8.
/// </summary>
public sealed class ConsumerGroupPersistenceTests(ConsumerProtocolCluster fixture) : IClassFixture<ConsumerProtocolCluster>, IAsyncLifetime
{
    private const int Partitions = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tributary-kip848-" + Guid.NewGuid().ToString("N"));
    private EmbeddedKafkaCluster? _restartable;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_restartable is not null) await _restartable.DisposeAsync();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static Task EventuallyAsync(Func<bool> condition, string what) => GroupConsumer.EventuallyAsync(condition, what, Patience);

    [Fact]
    public async Task Members_keep_their_epochs_and_partitions_when_the_group_coordinator_moves()
    {
        var cluster = fixture.Cluster;
        var topic = NewName("kip848-move");
        await cluster.CreateTopicAsync(topic, Partitions, replicationFactor: 2);
        var group = NewName("moving");
        using var first = new GroupConsumer(cluster.BootstrapServers, group, topic, "first", protocol: GroupProtocol.Consumer);
        using var second = new GroupConsumer(cluster.BootstrapServers, group, topic, "second", protocol: GroupProtocol.Consumer);
        var before = await StableAsync(cluster, group, first, second);
        var assignments = Assignments(first, second);
        var old = cluster.GetGroupCoordinator(group);
        var target = cluster.Brokers.First(b => b.Id != old).Id;
        cluster.Requests.StartRecording();

        await cluster.MoveGroupCoordinatorAsync(group, target);

        // Both members heartbeat at the new coordinator, which loaded them from its replica of the log.
        await EventuallyAsync(() => cluster.Requests.GetRecorded().Where(r => r.ApiKey == ApiKey.ConsumerGroupHeartbeat && r.BrokerId == target)
            .Select(r => r.ClientId).Distinct().Count() == 2, "both members heartbeat at the new coordinator");
        await EventuallyAsync(() => cluster.Requests.GetRecorded().Count(r => r.ApiKey == ApiKey.ConsumerGroupHeartbeat && r.BrokerId == target) >= 8,
            "the members heartbeat a few more times");
        cluster.Requests.StopRecording();
        Assert.Equal(target, cluster.GetGroupCoordinator(group));
        Assert.Equal(before, await DescribeAsync(cluster, group));
        Assert.Equal(assignments, Assignments(first, second));
    }

    [Fact]
    public async Task The_groups_records_are_in_the_offsets_topic_with_kafkas_key_versions_and_a_member_that_leaves_gets_tombstones()
    {
        var cluster = fixture.Cluster;
        var topic = NewName("kip848-records");
        await cluster.CreateTopicAsync(topic, Partitions, replicationFactor: 2);
        var group = NewName("recorded");
        using var first = new GroupConsumer(cluster.BootstrapServers, group, topic, "first", protocol: GroupProtocol.Consumer);
        var leaving = new GroupConsumer(cluster.BootstrapServers, group, topic, "leaving", protocol: GroupProtocol.Consumer);
        var described = await StableAsync(cluster, group, first, leaving);
        var leavingId = leaving.MemberId;

        leaving.Dispose();
        await EventuallyAsync(() => first.Partitions.Count == Partitions, "the remaining member owns every partition");

        var records = OffsetsTopicReader.ReadPartition(cluster.BootstrapServers, CoordinatorPlacement.PartitionFor(group, 50))
            .Select(r => (Key: KeyOf(r.Key), r.Value))
            .Where(r => r.Key.Group == group)
            .ToList();
        // Kafka's key versions: 3 group epoch, 4 subscribed topics, 5 member, 6 assignment epoch, 7 target, 8 current assignment.
        Assert.Equal([3, 4, 5, 6, 7, 8], records.Select(r => (int)r.Key.Version).Distinct().Order());
        Assert.All(described.Members.Keys, memberId => Assert.Contains(records, r => r.Key is { Version: 5, Member: var m } && m == memberId && r.Value is not null));
        // The member that left: its current assignment, target and subscription were deleted, in that order.
        Assert.Equal([8, 7, 5], records.Where(r => r.Key.Member == leavingId && r.Value is null).Select(r => (int)r.Key.Version));
        var epochs = records.Where(r => r.Key.Version == 3 && r.Value is not null).Select(r => OffsetsLog.ReadValue(r.Value!, ConsumerGroupMetadataValue.Read).Epoch).ToList();
        Assert.Equal(epochs.Order(), epochs);
        Assert.Equal((await DescribeAsync(cluster, group)).GroupEpoch, epochs[^1]);
    }

    [Fact]
    public async Task A_member_keeps_its_epoch_and_partitions_across_a_restart_of_the_cluster_on_its_data_directory()
    {
        var port = FreePort();
        var options = new EmbeddedKafkaOptions
        {
            FirstPort = port,
            DataDirectory = _directory,
            ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(250),
            ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(20),
        };
        _restartable = await EmbeddedKafkaCluster.StartAsync(options);
        var topic = NewName("kip848-restart");
        await _restartable.CreateTopicAsync(topic, Partitions, replicationFactor: 1);
        var group = NewName("restarted");
        using var member = new GroupConsumer(_restartable.BootstrapServers, group, topic, "survivor", protocol: GroupProtocol.Consumer);
        var before = await StableAsync(_restartable, group, member);
        var assignmentCount = member.AssignmentCount;

        await _restartable.DisposeAsync();
        _restartable = await EmbeddedKafkaCluster.StartAsync(options);
        var restarted = _restartable;
        restarted.Requests.StartRecording();

        await EventuallyAsync(() => restarted.Requests.GetRecorded().Count(r => r.ApiKey == ApiKey.ConsumerGroupHeartbeat) >= 8,
            "the member heartbeats at the restarted broker");
        Assert.Equal(before, await DescribeAsync(restarted, group));
        Assert.Equal(Enumerable.Range(0, Partitions).ToHashSet(), member.Partitions);
        Assert.Equal(assignmentCount, member.AssignmentCount);
    }

    /// <summary>Waits until every member owns its share and the group is stable, and returns it as described.</summary>
    private static async Task<DescribedGroup> StableAsync(EmbeddedKafkaCluster cluster, string group, params GroupConsumer[] members)
    {
        await EventuallyAsync(() => members.Sum(m => m.Partitions.Count) == Partitions && members.All(m => m.Partitions.Count == Partitions / members.Length),
            "every member owns its share of the partitions");
        DescribedGroup? described = null;
        await GroupConsumer.EventuallyAsync(() =>
        {
            described = DescribeAsync(cluster, group).GetAwaiter().GetResult();
            return described.State == "Stable" && described.Members.Count == members.Length;
        }, "the group is stable", Patience);
        return described!;
    }

    /// <summary>The group as ConsumerGroupDescribe shows it at its coordinator: epochs, and each member's epoch and partitions.</summary>
    private static async Task<DescribedGroup> DescribeAsync(EmbeddedKafkaCluster cluster, string group)
    {
        var coordinator = cluster.Brokers.Single(b => b.Id == cluster.GetGroupCoordinator(group));
        using var socket = await RawKafkaSocket.ConnectAsync(coordinator.Host, coordinator.Port);
        var response = await RawRequests.RoundTripAsync<ConsumerGroupDescribeResponse>(socket, new ConsumerGroupDescribeRequest { GroupIds = [group] }, 0);
        var described = response.Groups.Single();
        Assert.Equal(0, described.ErrorCode);
        return new DescribedGroup(described.GroupState, described.GroupEpoch, described.AssignmentEpoch,
            new SortedDictionary<string, string>(described.Members.ToDictionary(m => m.MemberId,
                m => $"epoch {m.MemberEpoch}: {string.Join(",", m.Assignment.TopicPartitions.SelectMany(t => t.Partitions).Order())}"), StringComparer.Ordinal));
    }

    /// <summary>Each member's partitions and how many assignments it received (a rebalance would add one).</summary>
    private static List<string> Assignments(params GroupConsumer[] members) =>
        members.Select(m => $"{string.Join(",", m.Partitions.Order())} after {m.AssignmentCount} assignments").ToList();

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static (short Version, string Group, string? Member) KeyOf(byte[] key)
    {
        var reader = new KafkaReader(key);
        var version = InternalRecord.ReadVersion(ref reader);
        return version switch
        {
            InternalRecord.ConsumerGroupMetadataKeyVersion => (version, ConsumerGroupMetadataKey.Read(ref reader, version).GroupId, null),
            InternalRecord.ConsumerGroupPartitionMetadataKeyVersion => (version, ConsumerGroupPartitionMetadataKey.Read(ref reader, version).GroupId, null),
            InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion => (version, ConsumerGroupTargetAssignmentMetadataKey.Read(ref reader, version).GroupId, null),
            InternalRecord.ConsumerGroupMemberMetadataKeyVersion => ConsumerGroupMemberMetadataKey.Read(ref reader, version) is var k ? (version, k.GroupId, k.MemberId) : default,
            InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion => ConsumerGroupTargetAssignmentMemberKey.Read(ref reader, version) is var t ? (version, t.GroupId, t.MemberId) : default,
            InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion => ConsumerGroupCurrentMemberAssignmentKey.Read(ref reader, version) is var c ? (version, c.GroupId, c.MemberId) : default,
            _ => (version, "", null),
        };
    }

    /// <summary>A consumer group as ConsumerGroupDescribe shows it; members are "epoch E: partitions" by member id.</summary>
    private sealed record DescribedGroup(string State, int GroupEpoch, int AssignmentEpoch, SortedDictionary<string, string> Members)
    {
        public bool Equals(DescribedGroup? other) =>
            other is not null && (State, GroupEpoch, AssignmentEpoch) == (other.State, other.GroupEpoch, other.AssignmentEpoch) && Members.SequenceEqual(other.Members);

        public override int GetHashCode() => HashCode.Combine(State, GroupEpoch, AssignmentEpoch, Members.Count);

        public override string ToString() => $"{State} group epoch {GroupEpoch} assignment epoch {AssignmentEpoch}: {string.Join("; ", Members.Select(m => $"{m.Key} {m.Value}"))}";
    }
}
