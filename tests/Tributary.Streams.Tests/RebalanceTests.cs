using System.Collections.Concurrent;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// Two sources in one consumer group: one joins late, one leaves; nothing is lost, sub-streams stay one per partition.
/// Under both group protocols: classic (client-side assignors, eager or cooperative) and consumer (KIP-848, the broker
/// assigns and revokes incrementally).
/// </summary>
public sealed class RebalanceTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private static readonly CommitterSettings QuickCommits = CommitterSettings.Default.WithMaxBatch(10).WithMaxInterval(TimeSpan.FromMilliseconds(50));

    [Theory]
    [InlineData(GroupProtocol.Classic, "range,roundrobin")]
    [InlineData(GroupProtocol.Classic, "cooperative-sticky")]
    [InlineData(GroupProtocol.Consumer, null)]
    public async Task Every_record_is_processed_at_least_once_when_a_source_joins_late_and_another_leaves(GroupProtocol protocol, string? assignmentStrategy)
    {
        var topic = await NewTopicAsync(partitions: 4);
        var group = NewGroup();
        var seen = new ConcurrentDictionary<string, int>();
        var processedBy = new ConcurrentDictionary<string, int>();

        DrainingControl<Done> Start(string name) =>
            KafkaConsumer.CommittableSource(WithStrategy(ConsumerSettings(group, protocol), assignmentStrategy), Subscriptions.Topics(topic))
                .Select(m =>
                {
                    seen.AddOrUpdate(m.Record.Message.Value, 1, (_, n) => n + 1);
                    processedBy.AddOrUpdate(name, 1, (_, n) => n + 1);
                    return (ICommittable)m.CommittableOffset;
                })
                .ToMaterialized(Committer.Sink(QuickCommits), DrainingControl<Done>.Create)
                .Run(Materializer);

        var first = Start("first");
        await ProduceAsync(topic, Values(100, "a"));
        await EventuallyAsync(() => Task.FromResult(seen.Count >= 50), "the first source is consuming");

        var second = Start("second");
        await EventuallyAsync(async () => (await second.Metrics).AssignedPartitions.Count > 0, "the second source got partitions");
        await ProduceAsync(topic, Values(100, "b"));
        await EventuallyAsync(() => Task.FromResult(processedBy.GetValueOrDefault("second") > 0), "the second source is consuming");

        await first.DrainAndShutdown().WaitAsync(Patience);
        await ProduceAsync(topic, Values(100, "c"));
        await EventuallyAsync(async () => (await second.Metrics).AssignedPartitions.Count == 4, "the second source took over every partition");
        await EventuallyAsync(() => Task.FromResult(seen.Count == 300), "every record processed");
        await second.DrainAndShutdown().WaitAsync(Patience);

        Assert.Equal(Values(100, "a").Concat(Values(100, "b")).Concat(Values(100, "c")).Order(), seen.Keys.Order());
        Assert.Equal(300, (await CommittedAsync(group, topic, 4)).Sum());
        Output.WriteLine($"duplicates from the uncommitted window: {seen.Values.Sum() - 300}");
    }

    private static ConsumerSettings<string, string> WithStrategy(ConsumerSettings<string, string> settings, string? assignmentStrategy) =>
        assignmentStrategy is null ? settings : settings.WithProperty("partition.assignment.strategy", assignmentStrategy);

    [Theory]
    [InlineData(GroupProtocol.Classic)]
    [InlineData(GroupProtocol.Consumer)]
    public async Task Partitioned_sources_keep_exactly_one_live_sub_source_per_assigned_partition_across_rebalances(GroupProtocol protocol)
    {
        var topic = await NewTopicAsync(partitions: 4);
        var group = NewGroup();
        var live = new ConcurrentDictionary<int, int>();
        var seen = new ConcurrentDictionary<string, int>();

        DrainingControl<Done> Start() =>
            KafkaConsumer.CommittablePartitionedSource(ConsumerSettings(group, protocol), Subscriptions.Topics(topic))
                .Select(pair => (pair.Item1, Tracked(pair.Item1.Partition.Value, pair.Item2)))
                .Via(Flow.Create<(TopicPartition, Source<CommittableMessage<string, string>, NotUsed>)>().MergeMany(8, pair => pair.Item2))
                .Select(m =>
                {
                    seen.AddOrUpdate(m.Record.Message.Value, 1, (_, n) => n + 1);
                    return (ICommittable)m.CommittableOffset;
                })
                .ToMaterialized(Committer.Sink(QuickCommits), DrainingControl<Done>.Create)
                .Run(Materializer);

        Source<CommittableMessage<string, string>, NotUsed> Tracked(int partition, Source<CommittableMessage<string, string>, NotUsed> source) =>
            source.WatchTermination((_, terminated) =>
            {
                live.AddOrUpdate(partition, 1, (_, n) => n + 1);
                terminated.ContinueWith(_ => live.AddOrUpdate(partition, 0, (_, n) => n - 1));
                return NotUsed.Instance;
            });

        bool OnePerPartition() => Enumerable.Range(0, 4).All(p => live.GetValueOrDefault(p) == 1);

        var first = Start();
        await ProduceAsync(topic, Values(40, "a"));
        await EventuallyAsync(() => Task.FromResult(OnePerPartition() && seen.Count == 40), "the first source reads every partition");

        var second = Start();
        await EventuallyAsync(async () => (await second.Metrics).AssignedPartitions.Count > 0 && (await first.Metrics).AssignedPartitions.Count < 4, "partitions moved to the second source");
        await EventuallyAsync(() => Task.FromResult(OnePerPartition()), "one live sub-source per partition with two sources");
        await ProduceAsync(topic, Values(40, "b"));

        await second.DrainAndShutdown().WaitAsync(Patience);
        await EventuallyAsync(async () => (await first.Metrics).AssignedPartitions.Count == 4, "the first source took every partition back");
        await EventuallyAsync(() => Task.FromResult(OnePerPartition()), "one live sub-source per partition after the second left");
        await ProduceAsync(topic, Values(40, "c"));
        await EventuallyAsync(() => Task.FromResult(seen.Count == 120), "every record processed");
        await first.DrainAndShutdown().WaitAsync(Patience);

        Assert.All(live.Values, n => Assert.Equal(0, n));
    }
}
