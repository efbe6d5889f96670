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

    private GroupConsumer Consumer(string groupId, string topic, string name, string? instanceId = null, string? regex = null) =>
        new(_cluster.BootstrapServers, groupId, topic, name, instanceId, GroupProtocol.Consumer, regex);

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
                Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    private static ISet<int> PartitionsOf(GroupConsumer consumer) => consumer.Assignment.Select(tp => tp.Partition.Value).ToHashSet();

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
}
