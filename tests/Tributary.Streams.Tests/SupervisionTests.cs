using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Directive = Akka.Streams.Supervision.Directive;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// Akka Streams' own error handling on Kafka stages, as Akka.Streams.Kafka's integration suite checks it: the decider set
/// with <c>ActorAttributes.CreateSupervisionStrategy</c> decides for sources (deserialization failures) and sinks
/// (serialization failures); Resume skips, Restart recreates the consumer, Stop fails with Confluent's exception.
/// </summary>
public sealed class SupervisionTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    /// <summary>Rejects values spelled "bad", every time.</summary>
    private sealed class PickyDeserializer : IDeserializer<string>
    {
        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            var value = Encoding.UTF8.GetString(data);
            return value == "bad" ? throw new FormatException("bad value") : value;
        }
    }

    /// <summary>Rejects the value "v2" the first time only.</summary>
    private sealed class FailOnceDeserializer : IDeserializer<string>
    {
        private int _failed;

        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            var value = Encoding.UTF8.GetString(data);
            return value == "v2" && Interlocked.Exchange(ref _failed, 1) == 0 ? throw new FormatException("fails once") : value;
        }
    }

    /// <summary>Refuses to serialize the value "bad".</summary>
    private sealed class PickySerializer : ISerializer<string>
    {
        public byte[] Serialize(string data, SerializationContext context) =>
            data == "bad" ? throw new FormatException("cannot serialize") : Encoding.UTF8.GetBytes(data);
    }

    private sealed class CountingConsumerDecider() : DefaultConsumerDecider(autoCreateTopics: false)
    {
        public int Calls;

        protected override Directive OnDeserializationError(ConsumeException exception)
        {
            Interlocked.Increment(ref Calls);
            return Directive.Resume;
        }
    }

    private sealed class CountingProducerDecider : DefaultProducerDecider<string, string>
    {
        public int Calls;

        protected override Directive OnSerializationError(ProduceException<string, string> exception)
        {
            Interlocked.Increment(ref Calls);
            return Directive.Resume;
        }
    }

    private ConsumerSettings<string, string> Picky(string group) => ConsumerSettings(group).WithValueDeserializer(new PickyDeserializer());

    [Fact]
    public async Task A_stopping_decider_fails_the_source_with_ConsumeException_naming_the_record()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["ok0", "bad", "ok2"]);

        var failure = await Assert.ThrowsAnyAsync<ConsumeException>(() =>
            KafkaConsumer.PlainSource(Picky(NewGroup()), Subscriptions.Assignment(new TopicPartition(topic, 0)))
                .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.StoppingDecider))
                .RunWith(Sink.Ignore<ConsumeResult<string, string>>(), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(ErrorCode.Local_ValueDeserialization, failure.Error.Code);
        Assert.True(failure.Error.IsSerializationError());
        Assert.Equal(new TopicPartitionOffset(topic, 0, 1), failure.ConsumerRecord.TopicPartitionOffset);
    }

    [Fact]
    public async Task Resume_in_the_streams_supervision_strategy_skips_records_that_fail_to_deserialize_deciding_once_each()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["ok0", "bad", "ok2", "bad", "ok4"]);
        var decided = new ConcurrentQueue<Exception>();

        var values = await KafkaConsumer.PlainSource(Picky(NewGroup()), Subscriptions.Topics(topic))
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(cause =>
            {
                decided.Enqueue(cause);
                return cause is ConsumeException consume && consume.Error.IsSerializationError() ? Directive.Resume : Directive.Stop;
            }))
            .Take(3)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["ok0", "ok2", "ok4"], values);
        Assert.Equal(2, decided.Count);
    }

    [Fact]
    public async Task Restart_recreates_the_consumer_which_reads_again_from_the_committed_offsets()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(5));
        var settings = ConsumerSettings(NewGroup()).WithValueDeserializer(new FailOnceDeserializer());

        var values = await KafkaConsumer.PlainSource(settings, Subscriptions.Assignment(new TopicPartition(topic, 0)))
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(cause => cause is ConsumeException ? Directive.Restart : Directive.Stop))
            .Take(7)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        // Nothing was committed, so the new consumer starts again at the beginning; no record is skipped.
        Assert.Equal(["v0", "v1", "v0", "v1", "v2", "v3", "v4"], values);
    }

    [Fact]
    public async Task An_overridden_DefaultConsumerDecider_decides_deserialization_failures()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["bad", "ok1", "bad", "ok3"]);
        var decider = new CountingConsumerDecider();

        var values = await KafkaConsumer.PlainSource(Picky(NewGroup()), Subscriptions.Assignment(new TopicPartition(topic, 0)))
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(decider.Decide))
            .Take(2)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["ok1", "ok3"], values);
        Assert.Equal(2, decider.Calls);
    }

    [Fact]
    public async Task The_default_decider_stops_a_partitioned_sub_source_on_a_record_that_fails_to_deserialize()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["ok0", "bad"]);

        var failure = await Assert.ThrowsAnyAsync<ConsumeException>(() =>
            KafkaConsumer.PlainPartitionedSource(Picky(NewGroup()), Subscriptions.Topics(topic))
                .SelectAsync(1, pair => pair.Item2.RunWith(Sink.Ignore<ConsumeResult<string, string>>(), Materializer))
                .RunWith(Sink.Ignore<Akka.Done>(), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(ErrorCode.Local_ValueDeserialization, failure.Error.Code);
    }

    [Fact]
    public async Task Resume_on_a_partitioned_source_skips_records_that_fail_to_deserialize_in_its_sub_sources()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, ["a0", "bad", "a2"], partition: 0);
        await ProduceAsync(topic, ["bad", "b1"], partition: 1);

        var values = await KafkaConsumer.PlainPartitionedSource(Picky(NewGroup()), Subscriptions.Topics(topic))
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.ResumingDecider))
            .MergeMany(2, pair => pair.Item2.MapMaterializedValue(IControl (_) => new NoopControl()))
            .Take(3)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["a0", "a2", "b1"], values.Order());
    }

    [Fact]
    public async Task A_record_that_fails_to_deserialize_fails_only_the_external_source_reading_its_partition()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, ["bad"], partition: 0);
        await ProduceAsync(topic, ["b0", "b1"], partition: 1);
        var consumer = Sys.ActorOf(KafkaConsumerActorMetadata.GetProps(Picky(NewGroup()), new DefaultConsumerDecider(false).Decide));

        var failing = KafkaConsumer.PlainExternalSource<string, string>(consumer, Subscriptions.Assignment(new TopicPartition(topic, 0)))
            .RunWith(Sink.Ignore<ConsumeResult<string, string>>(), Materializer);
        var healthy = KafkaConsumer.PlainExternalSource<string, string>(consumer, Subscriptions.Assignment(new TopicPartition(topic, 1)))
            .Take(2)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer);

        var failure = await Assert.ThrowsAnyAsync<ConsumeException>(() => failing.WaitAsync(Patience));
        Assert.True(failure.Error.IsSerializationError());
        Assert.Equal(["b0", "b1"], await healthy.WaitAsync(Patience));
        consumer.Tell(KafkaConsumerActorMetadata.Internal.Stop.Instance);
    }

    [Fact]
    public async Task By_default_PlainSink_fails_with_the_serializers_ProduceException()
    {
        var topic = await NewTopicAsync();
        var settings = ProducerSettings().WithValueSerializer(new PickySerializer());

        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            Source.From(["ok0", "bad", "ok2"])
                .Select(v => new ProducerRecord<string, string>(topic, v))
                .RunWith(KafkaProducer.PlainSink(settings), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(ErrorCode.Local_ValueSerialization, failure.Error.Code);
    }

    [Fact]
    public async Task Resume_on_PlainSink_drops_a_record_the_serializer_refuses_and_writes_the_rest()
    {
        var topic = await NewTopicAsync();
        var decider = new CountingProducerDecider();
        var settings = ProducerSettings().WithValueSerializer(new PickySerializer());

        await Source.From(["ok0", "bad", "ok2"])
            .Select(v => new ProducerRecord<string, string>(topic, v))
            .RunWith(KafkaProducer.PlainSink(settings).WithAttributes(ActorAttributes.CreateSupervisionStrategy(decider.Decide)), Materializer)
            .WaitAsync(Patience);

        var written = await ReadAllAsync(topic, 1, 2);
        Assert.Equal(["ok0", "ok2"], written.Select(r => r.Message.Value));
        Assert.Equal(1, decider.Calls);
    }

    [Fact]
    public async Task Resume_on_FlexiFlow_drops_the_envelope_the_serializer_refuses_and_emits_the_other_results_in_order()
    {
        var topic = await NewTopicAsync();
        var settings = ProducerSettings().WithValueSerializer(new PickySerializer());

        var results = await Source.From(["ok0", "bad", "ok2"])
            .Select(v => ProducerMessage.Single(new ProducerRecord<string, string>(topic, v), v))
            .Via(KafkaProducer.FlexiFlow<string, string, string>(settings).WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.ResumingDecider)))
            .Select(result => result.PassThrough)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["ok0", "ok2"], results);
    }
}
