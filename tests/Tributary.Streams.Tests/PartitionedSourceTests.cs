using System.Collections.Immutable;
using System.Collections.Concurrent;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class PartitionedSourceTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    // Akka.NET's MergeMany wants the inner sources' materialized value to match the outer one; inside a Flow both are NotUsed.
    private static Flow<(TopicPartition, Source<T, NotUsed>), T, NotUsed> Flatten<T>(int breadth) =>
        Flow.Create<(TopicPartition, Source<T, NotUsed>)>().MergeMany(breadth, pair => pair.Item2);

    private async Task<string> TopicWithRecordsAsync(int partitions, int perPartition)
    {
        var topic = await NewTopicAsync(partitions);
        for (var p = 0; p < partitions; p++)
            await ProduceAsync(topic, Values(perPartition, $"p{p}-"), partition: p);
        return topic;
    }

    [Fact]
    public async Task PlainPartitionedSource_emits_one_source_per_partition_with_only_its_records()
    {
        var topic = await TopicWithRecordsAsync(partitions: 3, perPartition: 4);

        var records = await KafkaConsumer.PlainPartitionedSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(topic))
            .Select(pair => (pair.Item1, pair.Item2.Select(r => (Emitted: pair.Item1.Partition.Value, Record: r.Partition.Value, r.Topic, r.Message.Value))))
            .Via(Flatten<(int Emitted, int Record, string Topic, string Value)>(3))
            .Take(12)
            .RunWith(Sink.Seq<(int Emitted, int Record, string Topic, string Value)>(), Materializer)
            .WaitAsync(Patience);

        Assert.All(records, r => Assert.Equal(r.Emitted, r.Record));
        // The source reads one topic, so Confluent.Kafka does not decode its name per record (TopicNames): it is filled in.
        Assert.All(records, r => Assert.Equal(topic, r.Topic));
        for (var p = 0; p < 3; p++)
            Assert.Equal(Values(4, $"p{p}-"), records.Where(r => r.Record == p).Select(r => r.Value));
    }

    [Fact]
    public async Task CommittablePartitionedSource_commits_per_partition()
    {
        var topic = await TopicWithRecordsAsync(partitions: 2, perPartition: 5);
        var group = NewGroup();

        var control = KafkaConsumer.CommittablePartitionedSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .Via(Flatten<CommittableMessage<string, string>>(2))
            .Select(m => (ICommittable)m.CommittableOffset)
            .ToMaterialized(Committer.Sink(CommitterSettings.Default.WithMaxInterval(TimeSpan.FromMilliseconds(100))), DrainingControl<Done>.Create)
            .Run(Materializer);

        await EventuallyAsync(async () => (await CommittedAsync(group, topic, 2)).SequenceEqual([5L, 5L]), "five offsets committed per partition");
        await control.DrainAndShutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task ManualOffset_partitioned_sources_start_from_offsets_the_application_supplies()
    {
        var topic = await TopicWithRecordsAsync(partitions: 2, perPartition: 5);
        var revocations = new ConcurrentQueue<IReadOnlySet<TopicPartition>>();
        Task<IReadOnlyDictionary<TopicPartition, long>> FromThree(IReadOnlySet<TopicPartition> assigned) =>
            Task.FromResult<IReadOnlyDictionary<TopicPartition, long>>(assigned.ToDictionary(p => p, _ => 3L));

        var (control, plain) = KafkaConsumer.PlainPartitionedManualOffsetSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(topic), FromThree, revocations.Enqueue)
            .Via(Flatten<ConsumeResult<string, string>>(2))
            .Select(r => r.Message.Value)
            .Take(4)
            .ToMaterialized(Sink.Seq<string>(), Keep.Both)
            .Run(Materializer);
        Assert.Equal(["p0-3", "p0-4", "p1-3", "p1-4"], (await plain.WaitAsync(Patience)).Order());
        await control.IsShutdown.WaitAsync(Patience);
        Assert.Equal(2, Assert.Single(revocations).Count);

        var group = NewGroup();
        var committable = await KafkaConsumer.CommittablePartitionedManualOffsetSource(ConsumerSettings(group), Subscriptions.Topics(topic), FromThree)
            .Via(Flatten<CommittableMessage<string, string>>(2))
            .SelectAsync(1, async m =>
            {
                await m.CommittableOffset.CommitAsync();
                return m.Record.Message.Value;
            })
            .Take(4)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);
        Assert.Equal(["p0-3", "p0-4", "p1-3", "p1-4"], committable.Order());
        Assert.Equal(new[] { 5L, 5L }, await CommittedAsync(group, topic, 2));
    }

    [Fact]
    public async Task A_cancelled_sub_source_is_emitted_again_and_continues_where_it_stopped()
    {
        var topic = await TopicWithRecordsAsync(partitions: 1, perPartition: 6);

        var chunks = await KafkaConsumer.PlainPartitionedSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(topic))
            .SelectAsync(1, pair => pair.Item2.Take(2).Select(r => r.Message.Value).RunWith(Sink.Seq<string>(), Materializer))
            .Take(3)
            .RunWith(Sink.Seq<IImmutableList<string>>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(Values(6, "p0-"), chunks.SelectMany(c => c));
    }
}
