using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Testing.Tests;

public sealed class FactoryTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("factories");

    [Fact]
    public void Consume_results_carry_what_they_were_given()
    {
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        var record = ConsumerResultFactory.ConsumeResult("orders", 2, 42, "k", "v", at);

        Assert.Equal(new TopicPartitionOffset("orders", 2, 42), record.TopicPartitionOffset);
        Assert.Equal(("k", "v"), (record.Message.Key, record.Message.Value));
        Assert.Equal(at, record.Message.Timestamp.UtcDateTime);
        Assert.Empty(record.Message.Headers);
    }

    [Fact]
    public async Task Committable_messages_have_offsets_that_record_commits()
    {
        var committer = new FakeOffsetCommitter("g");
        var message = ConsumerResultFactory.CommittableMessage("orders", 1, 7, "k", "v", committer);
        var offset = Assert.IsType<FakeCommittableOffset>(message.CommittableOffset);

        Assert.Equal(new PartitionOffset(new GroupTopicPartition("g", "orders", 1), 7), offset.PartitionOffset);
        Assert.False(offset.Committed);
        await offset.CommitAsync();

        Assert.True(offset.Committed);
        Assert.Equal(8, committer.Committed[new TopicPartition("orders", 1)]);
        Assert.Equal(new TopicPartitionOffset("orders", 1, 8), Assert.Single(Assert.Single(committer.Commits)));
    }

    [Fact]
    public async Task Fake_offsets_run_through_the_committer_stages_as_a_source_s_offsets_do()
    {
        var committer = new FakeOffsetCommitter();
        var offsets = Enumerable.Range(0, 10)
            .Select(i => (ICommittable)ConsumerResultFactory.CommittableOffset("in", i % 2, i / 2, committer))
            .ToList();

        await Source.From(offsets)
            .RunWith(Committer.Sink(CommitterSettings.Default.WithMaxBatch(4)), _system.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(30));

        // Batches of four, one commit per batch with the highest offset of each partition, and the rest at completion.
        Assert.Equal(3, committer.Commits.Count);
        Assert.Equal(5, committer.Committed[new TopicPartition("in", 0)]);
        Assert.Equal(5, committer.Committed[new TopicPartition("in", 1)]);
        Assert.All(offsets, o => Assert.True(((FakeCommittableOffset)o).Committed, $"{o} is not covered"));
    }

    [Fact]
    public void Producer_results_match_their_envelopes()
    {
        var record = new ProducerRecord<string, string>("out", "k", "v");
        var other = new ProducerRecord<string, string>(new TopicPartition("out", 3), new Message<string, string> { Key = "k2", Value = "v2" });

        var single = Assert.IsType<Result<string, string, int>>(ProducerResultFactory.ResultOf(ProducerMessage.Single(record, 1), offset: 10));
        var multi = Assert.IsType<MultiResult<string, string, int>>(ProducerResultFactory.ResultOf(ProducerMessage.Multi([record, other], 2), offset: 20));
        var passThrough = Assert.IsType<PassThroughResult<string, string, int>>(ProducerResultFactory.ResultOf(ProducerMessage.PassThrough<string, string, int>(3)));

        Assert.Equal((1, 10L, 0, "v"), (single.PassThrough, single.Delivery.Offset.Value, single.Delivery.Partition.Value, single.Delivery.Message.Value));
        Assert.Equal([20L, 21L], multi.Parts.Select(p => p.Offset.Value));
        Assert.Equal([0, 3], multi.Parts.Select(p => p.Partition.Value));
        Assert.Equal(2, multi.PassThrough);
        Assert.Equal(3, passThrough.PassThrough);
    }

    [Fact]
    public async Task A_control_source_drains_like_a_kafka_source()
    {
        var messages = Enumerable.Range(0, 5).Select(i => ConsumerResultFactory.CommittableMessage("in", 0, i, $"k{i}", $"v{i}")).ToList();

        // Stream code as it would run on KafkaConsumer.CommittableSource, on test data instead.
        var control = ConsumerControlFactory.ControlSource(Source.From(messages).Concat(Source.Never<CommittableMessage<string, string>>()))
            .SelectAsync(1, async message =>
            {
                await message.CommittableOffset.CommitAsync();
                return message.Record.Message.Value;
            })
            .ToMaterialized(Sink.Seq<string>(), DrainingControl<System.Collections.Immutable.IImmutableList<string>>.Create)
            .Run(_system.Materializer());
        await WaitUntilAsync(() => messages.All(m => ((FakeCommittableOffset)m.CommittableOffset).Committed));

        var values = await control.DrainAndShutdown();

        Assert.Equal(["v0", "v1", "v2", "v3", "v4"], values);
        Assert.True(control.IsShutdown.IsCompleted);
    }

    [Fact]
    public async Task A_control_flow_stops_the_stream_it_sits_in()
    {
        var (control, completion) = Source.Repeat(1)
            .ViaMaterialized(ConsumerControlFactory.ControlFlow<int>(), Keep.Right)
            .ToMaterialized(Sink.Ignore<int>(), Keep.Both)
            .Run(_system.Materializer());

        await control.Stop();

        await completion.WaitAsync(TimeSpan.FromSeconds(10));
        var metrics = await control.Metrics;
        Assert.Empty(metrics.AssignedPartitions);
    }

    [Fact]
    public async Task A_detached_control_completes_on_shutdown()
    {
        var control = ConsumerControlFactory.Control();

        Assert.False(control.IsShutdown.IsCompleted);
        await control.Shutdown();
        Assert.True(control.IsShutdown.IsCompleted);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.True(condition());
    }

    public void Dispose() => _system.Dispose();
}
