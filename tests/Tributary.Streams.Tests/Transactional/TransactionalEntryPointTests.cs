using System.Collections.Immutable;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>Each Transactional entry point end to end, plus fencing, aborts and misuse.</summary>
public sealed class TransactionalEntryPointTests(KafkaFixture cluster, ITestOutputHelper output) : TransactionalTestBase(cluster, output)
{
    private static ProducerRecord<string, string> Upper(string topic, ConsumeResult<string, string> record) =>
        new(topic, record.Message.Key, record.Message.Value.ToUpperInvariant());

    [Fact]
    public async Task Flow_emits_results_in_order_and_commits()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 2, perPartition: 20);

        var control = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.PartitionOffset))
            .Via(Transactional.Flow(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("flow"))))
            .ToMaterialized(Sink.Seq<IResults<string, string, GroupTopicPartitionOffset>>(), DrainingControl<IImmutableList<IResults<string, string, GroupTopicPartitionOffset>>>.Create)
            .Run(Materializer);

        var copied = await ReadCommittedAsync(outputTopic, 2, 40);
        var results = await control.DrainAndShutdown().WaitAsync(Patience);
        Assert.Equal(40, results.Count);
        Assert.All(results, r => Assert.IsType<Result<string, string, GroupTopicPartitionOffset>>(r));
        AssertExactlyOnceInOrder(copied, 2, 20);
        var committed = await CommittedAsync(group, input, 2);
        Assert.Equal(new long[] { 20, 20 }, committed);
    }

    [Fact]
    public async Task SourceWithOffsetContext_FlowWithOffsetContext_and_SinkWithOffsetContext_carry_the_offset_as_context()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 2, perPartition: 20);

        var control = Transactional.SourceWithOffsetContext(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(record => ProducerMessage.Single(Upper(outputTopic, record)))
            .Via(Transactional.FlowWithOffsetContext(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("ctx"))))
            .Select(result => ProducerMessage.PassThrough<string, string, NotUsed>(NotUsed.Instance))
            .ToMaterialized(Transactional.SinkWithOffsetContext(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("ctx-sink"))), DrainingControl<Done>.Create)
            .Run(Materializer);

        var copied = await ReadCommittedAsync(outputTopic, 2, 40);
        await control.DrainAndShutdown().WaitAsync(Patience);
        AssertExactlyOnceInOrder(copied, 2, 20);
        var committed = await CommittedAsync(group, input, 2);
        Assert.Equal(new long[] { 20, 20 }, committed);
    }

    [Fact]
    public async Task PartitionedSource_runs_one_transactional_sink_per_partition()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 3, perPartition: 20);
        var settings = TransactionalSettings(KafkaFixture.UniqueName("partitioned"));

        var control = Transactional.PartitionedSource(ConsumerSettings(group), Subscriptions.Topics(input))
            .SelectAsync(3, pair => pair.Item2
                .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.PartitionOffset))
                .RunWith(Transactional.Sink(ProducerSettings(), settings.ForPartition(pair.Item1)), Materializer))
            .ToMaterialized(Sink.Ignore<Done>(), DrainingControl<Done>.Create)
            .Run(Materializer);

        var copied = await ReadCommittedAsync(outputTopic, 3, 60);
        await control.DrainAndShutdown().WaitAsync(Patience);
        AssertExactlyOnceInOrder(copied, 3, 20);
        var committed = await CommittedAsync(group, input, 3);
        Assert.Equal(new long[] { 20, 20, 20 }, committed);
    }

    [Fact]
    public async Task A_second_instance_with_the_same_transactional_id_fences_the_first()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 1, perPartition: 1);
        var id = KafkaFixture.UniqueName("fenced");
        var first = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.PartitionOffset))
            .ToMaterialized(Transactional.Sink(ProducerSettings(), TransactionalSettings(id)), DrainingControl<Done>.Create)
            .Run(Materializer);
        await ReadCommittedAsync(outputTopic, 1, 1);

        // The newer instance registers the same transactional id (as a restarted instance would).
        using var newer = ProducerSettings().WithProperty("transactional.id", id).CreateProducer();
        await Task.Run(() => newer.InitTransactions(Patience));
        await ProduceInputAsync(input, partitions: 1, perPartition: 1);

        // Fenced while committing: ProducerFencedException; fenced while sending: the purged sends' KafkaTransactionException.
        var failure = await Assert.ThrowsAnyAsync<KafkaTransactionException>(() => first.StreamCompletion.WaitAsync(Patience));
        Assert.Contains(id, failure.Message);
        await first.Shutdown().WaitAsync(Patience);
        var committed = await CommittedAsync(group, input, 1);
        Assert.Equal(new long[] { 1 }, committed);
        var copied = await ReadCommittedAsync(outputTopic, 1, 2);
        Assert.Single(copied);
    }

    [Fact]
    public async Task A_failure_in_the_stream_aborts_the_open_transaction_and_a_restart_resumes_from_committed_offsets()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 1, perPartition: 30);
        var settings = TransactionalSettings(KafkaFixture.UniqueName("abort")).WithCommitInterval(TimeSpan.FromHours(1));

        // One transaction never commits (interval of an hour); the 20th record fails the stream, which aborts it.
        var failed = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => m.Record.Offset.Value == 19 ? throw new InvalidOperationException("boom") : m)
            .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.PartitionOffset))
            .RunWith(Transactional.Sink(ProducerSettings(), settings), Materializer);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(Patience));

        var restarted = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.PartitionOffset))
            .ToMaterialized(Transactional.Sink(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("resume"))), DrainingControl<Done>.Create)
            .Run(Materializer);
        var copied = await ReadCommittedAsync(outputTopic, 1, 30);
        await restarted.DrainAndShutdown().WaitAsync(Patience);
        AssertExactlyOnceInOrder(copied, 1, 30);
    }

    [Fact]
    public async Task An_offset_not_from_a_transactional_source_fails_the_flow()
    {
        var (input, outputTopic, group) = await PrepareAsync(partitions: 1, perPartition: 1);
        var result = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(Upper(outputTopic, m.Record), m.CommittableOffset.Offset))
            .RunWith(Transactional.Sink(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("misuse"))), Materializer);

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => result.WaitAsync(Patience));
        Assert.Contains("Transactional source", failure.Message);
    }

    [Fact]
    public async Task A_transactional_message_carries_its_group_topic_partition_and_offset_for_the_sink()
    {
        var (input, _, group) = await PrepareAsync(partitions: 1, perPartition: 1);
        var message = await KafkaConsumer.TransactionalSource(ConsumerSettings(group), Subscriptions.Topics(input))
            .RunWith(Sink.First<TransactionalMessage<string, string>>(), Materializer).WaitAsync(Patience);
        var offset = message.PartitionOffset;
        Assert.Equal((group, input, 0, 0L), (offset.GroupId, offset.Topic, offset.Partition, offset.Offset.Value));
        Assert.Equal(new TopicPartition(input, 0), offset.TopicPartition);
    }

    private async Task<(string Input, string Output, string Group)> PrepareAsync(int partitions, int perPartition)
    {
        var input = await NewTopicAsync(partitions);
        var outputTopic = await NewTopicAsync(partitions);
        await ProduceInputAsync(input, partitions, perPartition);
        return (input, outputTopic, NewGroup());
    }
}
