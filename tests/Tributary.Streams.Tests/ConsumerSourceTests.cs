using System.Collections.Immutable;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class ConsumerSourceTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private Task<IImmutableList<string>> TakeValuesAsync(Source<ConsumeResult<string, string>, IControl> source, int count) =>
        source.Take(count).Select(r => r.Message.Value).RunWith(Sink.Seq<string>(), Materializer).WaitAsync(Patience);

    [Fact]
    public async Task Assignment_reads_only_the_assigned_partition()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, Values(5, "a"), partition: 0);
        await ProduceAsync(topic, Values(5, "b"), partition: 1);

        var values = await TakeValuesAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.Assignment(new TopicPartition(topic, 1))), 5);

        Assert.Equal(Values(5, "b"), values);
    }

    [Fact]
    public async Task AssignmentWithOffset_starts_at_the_given_offset()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(10));

        var values = await TakeValuesAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.AssignmentWithOffset(new TopicPartitionOffset(topic, 0, 7))), 3);

        Assert.Equal(["v7", "v8", "v9"], values);
    }

    [Fact]
    public async Task AssignmentOffsetsForTimes_starts_at_the_first_record_at_or_after_the_timestamp()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(5, "early"));
        await Task.Delay(50);
        var start = DateTime.UtcNow;
        await Task.Delay(50);
        await ProduceAsync(topic, Values(3, "late"));

        var subscription = Subscriptions.AssignmentOffsetsForTimes(new TopicPartitionTimestamp(topic, 0, new Timestamp(start)));
        var values = await TakeValuesAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), subscription), 3);

        Assert.Equal(Values(3, "late"), values);
    }

    [Fact]
    public async Task TopicPattern_subscribes_to_every_matching_topic()
    {
        var prefix = KafkaFixture.UniqueName("pattern");
        await Kafka.CreateTopicAsync(prefix + "-a", 1);
        await Kafka.CreateTopicAsync(prefix + "-b", 1);
        await ProduceAsync(prefix + "-a", Values(3, "a"));
        await ProduceAsync(prefix + "-b", Values(3, "b"));

        var values = await TakeValuesAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.TopicPattern(prefix + "-.*")), 6);

        Assert.Equal(Values(3, "a").Concat(Values(3, "b")).Order(), values.Order());
    }

    [Fact]
    public async Task CommitWithMetadataSource_attaches_metadata_and_commits()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(3));

        var messages = await KafkaConsumer.CommitWithMetadataSource(ConsumerSettings(group), Subscriptions.Topics(topic), r => "meta-" + r.Message.Key)
            .SelectAsync(1, async m =>
            {
                await m.CommittableOffset.CommitAsync();
                return m;
            })
            .Take(3)
            .RunWith(Sink.Seq<CommittableMessage<string, string>>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(Values(3).Select(v => "meta-" + v), messages.Select(m => ((ICommittableOffsetMetadata)m.CommittableOffset).Metadata));
        Assert.Equal(new[] { 3L }, await CommittedAsync(group, topic, 1));
    }

    [Fact]
    public async Task SourceWithOffsetContext_commits_through_SinkWithOffsetContext()
    {
        var topic = await NewTopicAsync(partitions: 2);
        var group = NewGroup();
        await ProduceAsync(topic, Values(10));

        var control = KafkaConsumer.SourceWithOffsetContext(ConsumerSettings(group), Subscriptions.Topics(topic))
            .Select(record => record.Message.Value.Length)
            .ToMaterialized(Committer.SinkWithOffsetContext<int>(CommitterSettings.Default.WithMaxInterval(TimeSpan.FromMilliseconds(100))), DrainingControl<Akka.Done>.Create)
            .Run(Materializer);

        await EventuallyAsync(async () => (await CommittedAsync(group, topic, 2)).Sum() == 10, "all ten offsets committed");
        await control.DrainAndShutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task AtMostOnceSource_commits_each_record_before_emitting_it()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(5));

        var seen = await KafkaConsumer.AtMostOnceSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .SelectAsync(1, async record => (record.Message.Value, Offset: record.Offset.Value, Committed: (await CommittedAsync(group, topic, 1))[0]))
            .Take(3)
            .RunWith(Sink.Seq<(string Value, long Offset, long Committed)>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["v0", "v1", "v2"], seen.Select(s => s.Value));
        Assert.All(seen, s => Assert.True(s.Committed > s.Offset, $"record {s.Offset} emitted before its commit ({s.Committed})"));
    }

    [Fact]
    public async Task A_backpressured_source_pauses_its_partitions_and_resumes_them_when_demand_returns()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, Values(60));
        var gate = new TaskCompletionSource();
        var settings = ConsumerSettings(NewGroup()).WithBufferSize(4).WithMaxPollRecords(2);

        var (control, values) = KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
            .SelectAsync(1, async r =>
            {
                await gate.Task;
                return r.Message.Value;
            })
            .Take(60)
            .ToMaterialized(Sink.Seq<string>(), Keep.Both)
            .Run(Materializer);

        await EventuallyAsync(async () => (await control.Metrics).PausedPartitions.Count == 2, "both partitions paused");
        var paused = await control.Metrics;
        Assert.InRange(paused.RecordsConsumed, 1, 59);

        gate.SetResult();
        Assert.Equal(Values(60).Order(), (await values.WaitAsync(Patience)).Order());
        await control.IsShutdown.WaitAsync(Patience);
    }

    [Fact]
    public async Task External_sources_share_one_consumer_and_read_their_own_partitions()
    {
        var topic = await NewTopicAsync(partitions: 2);
        var group = NewGroup();
        await ProduceAsync(topic, Values(4, "a"), partition: 0);
        await ProduceAsync(topic, Values(4, "b"), partition: 1);
        await using var shared = SharedKafkaConsumer<string, string>.Create(ConsumerSettings(group));

        var plain = TakeValuesAsync(KafkaConsumer.PlainExternalSource(shared, Subscriptions.Assignment(new TopicPartition(topic, 0))), 4);
        var committable = KafkaConsumer.CommittableExternalSource(shared, Subscriptions.Assignment(new TopicPartition(topic, 1)))
            .SelectAsync(1, async m =>
            {
                await m.CommittableOffset.CommitAsync();
                return m.Record.Message.Value;
            })
            .Take(4)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(Values(4, "a"), await plain);
        Assert.Equal(Values(4, "b"), await committable);
        Assert.Equal(4L, (await CommittedAsync(group, topic, 2))[1]);
    }

    [Fact]
    public async Task Commits_of_partitions_no_longer_assigned_are_dropped_not_failed()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(2));
        await using var shared = SharedKafkaConsumer<string, string>.Create(ConsumerSettings(group));

        var message = await KafkaConsumer.CommittableExternalSource(shared, Subscriptions.Assignment(new TopicPartition(topic, 0)))
            .RunWith(Sink.First<CommittableMessage<string, string>>(), Materializer)
            .WaitAsync(Patience);
        await EventuallyAsync(async () => (await shared.GetMetricsAsync()).AssignedPartitions.Count == 0, "partition released");

        await message.CommittableOffset.CommitAsync().WaitAsync(Patience);

        Assert.Equal(1, (await shared.GetMetricsAsync()).OffsetsDropped);
        Assert.Equal(new[] { -1001L }, await CommittedAsync(group, topic, 1));
    }

    [Fact]
    public async Task One_committer_flow_commits_the_offsets_of_two_consumers_each_to_its_own_group()
    {
        var first = await NewTopicAsync();
        var second = await NewTopicAsync();
        var (groupA, groupB) = (NewGroup(), NewGroup());
        await ProduceAsync(first, Values(30, "a"));
        await ProduceAsync(second, Values(20, "b"));

        // Take cancels each source after its last record: the stop timeout keeps its consumer for the last commits.
        var linger = TimeSpan.FromSeconds(10);
        var committed = await KafkaConsumer.CommittableSource(ConsumerSettings(groupA).WithStopTimeout(linger), Subscriptions.Topics(first)).Take(30)
            .Merge(KafkaConsumer.CommittableSource(ConsumerSettings(groupB).WithStopTimeout(linger), Subscriptions.Topics(second)).Take(20))
            .Select(m => (ICommittable)m.CommittableOffset)
            .Via(Committer.Flow(CommitterSettings.Default.WithMaxBatch(7)))
            .RunWith(Sink.Seq<Akka.Done>(), Materializer)
            .WaitAsync(Patience);

        Assert.NotEmpty(committed);
        Assert.Equal(30L, (await CommittedAsync(groupA, first, 1))[0]);
        Assert.Equal(20L, (await CommittedAsync(groupB, second, 1))[0]);
        // A new consumer of the group starts after what was committed.
        await ProduceAsync(first, ["a30"]);
        var next = await KafkaConsumer.PlainSource(ConsumerSettings(groupA), Subscriptions.Topics(first)).Select(r => r.Message.Value)
            .RunWith(Sink.First<string>(), Materializer).WaitAsync(Patience);
        Assert.Equal("a30", next);
    }
}
