using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>The three seed exercises: produce, consume, consume-transform-produce with commits.</summary>
public sealed class SeedExerciseTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    [Fact]
    public async Task PlainSink_produces_records_that_a_plain_consumer_reads()
    {
        var topic = await NewTopicAsync();

        await Source.From(Values(10))
            .Select(v => new ProducerRecord<string, string>(topic, v, v))
            .RunWith(KafkaProducer.PlainSink(ProducerSettings()), Materializer)
            .WaitAsync(Patience);

        var records = await ReadAllAsync(topic, 1, 10);
        Assert.Equal(Values(10), records.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task PlainSource_consumes_produced_records()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(10));

        var values = await KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(topic))
            .Take(10)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(Values(10), values);
    }

    [Fact]
    public async Task CommittableSource_transform_FlexiFlow_Committer_copies_transformed_records_and_commits()
    {
        var input = await NewTopicAsync(partitions: 2);
        var outputTopic = await NewTopicAsync(partitions: 2);
        var group = NewGroup();
        await ProduceAsync(input, Values(20));

        var control = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(new ProducerRecord<string, string>(outputTopic, m.Record.Message.Key, m.Record.Message.Value.ToUpperInvariant()), (ICommittable)m.CommittableOffset))
            .Via(KafkaProducer.FlexiFlow<string, string, ICommittable>(ProducerSettings()))
            .Select(result => result.PassThrough)
            .ToMaterialized(Committer.Sink(CommitterSettings.Default.WithMaxBatch(5)), DrainingControl<Akka.Done>.Create)
            .Run(Materializer);

        var copied = await ReadAllAsync(outputTopic, 2, 20);
        await control.DrainAndShutdown().WaitAsync(Patience);

        Assert.Equal(Values(20).Select(v => v.ToUpperInvariant()).Order(), copied.Select(r => r.Message.Value).Order());
        var committed = await CommittedAsync(group, input, 2);
        Assert.Equal(20, committed.Sum());
    }
}
