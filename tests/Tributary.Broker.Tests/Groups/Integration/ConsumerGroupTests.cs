using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>Real Confluent.Kafka consumers in groups against the embedded cluster.</summary>
public sealed class ConsumerGroupTests : IAsyncLifetime
{
    private const int Partitions = 4;
    private const int MessagesPerPartition = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private EmbeddedKafkaCluster _cluster = null!;
    private string _topic = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        _topic = $"orders-{Guid.NewGuid():N}";
        await _cluster.CreateTopicAsync(_topic, Partitions, replicationFactor: 2);
        Produce(batch: 0);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string NewGroup() => $"group-{Guid.NewGuid():N}";

    private GroupConsumer Consumer(string groupId, string name, string? instanceId = null) => new(_cluster.BootstrapServers, groupId, _topic, name, instanceId);

    /// <summary>Writes <see cref="MessagesPerPartition"/> messages to every partition, with keys naming partition, batch and index.</summary>
    private void Produce(int batch)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, Acks = Acks.All }).Build();
        for (var partition = 0; partition < Partitions; partition++)
        {
            for (var i = 0; i < MessagesPerPartition; i++)
            {
                var key = $"p{partition}-b{batch}-{i}";
                producer.Produce(new TopicPartition(_topic, partition), new Message<string, string> { Key = key, Value = "value of " + key });
            }
        }
        Assert.Equal(0, producer.Flush(Patience));
    }

    private static Task EventuallyAsync(Func<bool> condition, string what) => GroupConsumer.EventuallyAsync(condition, what, Patience);

    private static ISet<int> PartitionsOf(GroupConsumer consumer) => consumer.Partitions;

    private static IEnumerable<string> Keys(params GroupConsumer[] consumers) => consumers.SelectMany(c => c.Received).Select(r => r.Message.Key);

    private static IEnumerable<string> AllKeys(int batch) =>
        Enumerable.Range(0, Partitions).SelectMany(p => Enumerable.Range(0, MessagesPerPartition).Select(i => $"p{p}-b{batch}-{i}"));

    [Fact]
    public async Task Two_members_split_the_partitions_and_together_read_everything_once()
    {
        var groupId = NewGroup();
        using var first = Consumer(groupId, "first");
        using var second = Consumer(groupId, "second");

        await EventuallyAsync(() => PartitionsOf(first).Count > 0 && PartitionsOf(second).Count > 0
            && PartitionsOf(first).Concat(PartitionsOf(second)).Order().SequenceEqual(Enumerable.Range(0, Partitions)),
            "the two members split all partitions between them");
        await EventuallyAsync(() => Keys(first, second).Distinct().Count() == Partitions * MessagesPerPartition, "every message is read");

        Assert.Equal(AllKeys(0).Order(), Keys(first, second).Distinct().Order());
        Assert.Empty(PartitionsOf(first).Intersect(PartitionsOf(second)));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var description = (await admin.DescribeConsumerGroupsAsync([groupId])).ConsumerGroupDescriptions.Single();
        Assert.Equal(ConsumerGroupState.Stable, description.State);
        Assert.Equal(["first", "second"], description.Members.Select(m => m.ClientId).Order());
        Assert.Equal(Partitions, description.Members.Sum(m => m.Assignment.TopicPartitions.Count));
        var listed = await admin.ListConsumerGroupsAsync();
        Assert.Contains(listed.Valid, g => g.GroupId == groupId && g.State == ConsumerGroupState.Stable);
    }

    [Fact]
    public async Task Committed_offsets_are_where_a_new_member_of_the_group_resumes()
    {
        var groupId = NewGroup();
        const int committedOffset = 6;
        using (var first = Consumer(groupId, "first"))
        {
            await EventuallyAsync(() => first.Received.Count == Partitions * MessagesPerPartition, "the first member read everything");
            first.Commit(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(_topic, p, committedOffset)));
            var committed = first.Committed(Enumerable.Range(0, Partitions).Select(p => new TopicPartition(_topic, p)));
            Assert.All(committed, c => Assert.Equal(committedOffset, c.Offset.Value));
        }

        using var successor = Consumer(groupId, "successor");
        await EventuallyAsync(() => successor.Received.Count == Partitions * (MessagesPerPartition - committedOffset), "the successor read the rest");

        var firstOffsetPerPartition = successor.Received.GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.Min(r => r.Offset.Value));
        Assert.Equal(Enumerable.Range(0, Partitions).ToDictionary(p => p, _ => (long)committedOffset), firstOffsetPerPartition);
    }

    [Fact]
    public async Task A_second_group_replays_the_same_data()
    {
        using var firstGroup = Consumer(NewGroup(), "first-group");
        await EventuallyAsync(() => firstGroup.Received.Count == Partitions * MessagesPerPartition, "the first group read everything");

        using var secondGroup = Consumer(NewGroup(), "second-group");
        await EventuallyAsync(() => secondGroup.Received.Count == Partitions * MessagesPerPartition, "the second group read everything");

        Assert.Equal(Keys(firstGroup).Order(), Keys(secondGroup).Order());
    }

    [Fact]
    public async Task When_one_member_leaves_the_other_takes_over_all_partitions()
    {
        var groupId = NewGroup();
        using var stayer = Consumer(groupId, "stayer");
        var leaver = Consumer(groupId, "leaver");
        await EventuallyAsync(() => PartitionsOf(stayer).Count > 0 && PartitionsOf(leaver).Count > 0, "both members have partitions");

        leaver.Dispose();
        await EventuallyAsync(() => PartitionsOf(stayer).Count == Partitions, "the remaining member owns every partition");
        Produce(batch: 1);

        await EventuallyAsync(() => AllKeys(1).All(Keys(stayer).Contains), "the remaining member reads new messages of every partition");
    }

    [Fact]
    public async Task Restarted_static_member_gets_its_partitions_back_without_a_rebalance()
    {
        var groupId = NewGroup();
        using var steady = Consumer(groupId, "steady", instanceId: "steady-instance");
        var restarting = Consumer(groupId, "restarting", instanceId: "restarting-instance");
        await EventuallyAsync(() => PartitionsOf(steady).Count > 0 && PartitionsOf(restarting).Count > 0, "both members have partitions");
        var partitionsBefore = PartitionsOf(restarting);
        var rebalancesSeenBySteady = steady.AssignmentCount;

        restarting.Dispose();
        using var restarted = Consumer(groupId, "restarted", instanceId: "restarting-instance");
        await EventuallyAsync(() => PartitionsOf(restarted).Count > 0, "the restarted member has partitions");
        // A rebalance would reach the steady member's callbacks within a few heartbeats: give it time to show.
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(partitionsBefore, PartitionsOf(restarted));
        Assert.Equal(rebalancesSeenBySteady, steady.AssignmentCount);
    }
}
