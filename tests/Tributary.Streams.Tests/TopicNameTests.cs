using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Tributary.Streams.Internal;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// A source of one topic asks Confluent.Kafka not to decode the topic name of every record and fills it in from one
/// string (<see cref="TopicNames"/>): every record, and every failed record of a partition, still names its topic; a
/// user's deserializer still sees the topic; a user's own <c>dotnet.consumer.consume.result.fields</c> is kept.
/// </summary>
public sealed class TopicNameTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private const string ResultFields = "dotnet.consumer.consume.result.fields";

    /// <summary>Remembers the topic Confluent.Kafka passes with each value.</summary>
    private sealed class TopicRecordingDeserializer : IDeserializer<string>
    {
        public ConcurrentQueue<string?> Topics { get; } = new();

        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            Topics.Enqueue(context.Topic);
            return Deserializers.Utf8.Deserialize(data, isNull, context);
        }
    }

    private Task<IImmutableList<ConsumeResult<TKey, TValue>>> TakeAsync<TKey, TValue>(Source<ConsumeResult<TKey, TValue>, IControl> source, int count) =>
        source.Take(count).RunWith(Sink.Seq<ConsumeResult<TKey, TValue>>(), Materializer).WaitAsync(Patience);

    [Fact]
    public void A_subscription_to_one_named_topic_or_an_assignment_of_one_topics_partitions_reads_only_that_topic()
    {
        Assert.Equal("orders", TopicNames.OnlyTopicOf(Subscriptions.Topics("orders")));
        Assert.Equal("orders", TopicNames.OnlyTopicOf(Subscriptions.Topics("orders", "orders")));
        Assert.Equal("orders", TopicNames.OnlyTopicOf(Subscriptions.Assignment(new TopicPartition("orders", 0), new TopicPartition("orders", 3))));
        Assert.Equal("orders", TopicNames.OnlyTopicOf(Subscriptions.AssignmentWithOffset(new TopicPartitionOffset("orders", 1, 5))));
    }

    [Fact]
    public void Several_topics_a_pattern_or_a_name_librdkafka_reads_as_a_pattern_have_no_single_topic()
    {
        Assert.Null(TopicNames.OnlyTopicOf(Subscriptions.Topics("orders", "payments")));
        Assert.Null(TopicNames.OnlyTopicOf(Subscriptions.TopicPattern("orders.*")));
        Assert.Null(TopicNames.OnlyTopicOf(Subscriptions.Topics("^orders.*")));
        Assert.Null(TopicNames.OnlyTopicOf(Subscriptions.Assignment(new TopicPartition("orders", 0), new TopicPartition("payments", 0))));
    }

    [Fact]
    public void The_topic_is_left_out_of_consume_results_only_with_built_in_deserializers_and_no_setting_of_the_users()
    {
        var builtIn = ConsumerSettings(NewGroup());
        Assert.Equal("headers,timestamp", TopicNames.Settings(builtIn, "orders").Properties[ResultFields]);
        Assert.False(TopicNames.Settings(builtIn, null).Properties.ContainsKey(ResultFields));
        Assert.False(TopicNames.Settings(builtIn.WithValueDeserializer(new TopicRecordingDeserializer()), "orders").Properties.ContainsKey(ResultFields));
        Assert.Equal("all", TopicNames.Settings(builtIn.WithProperty(ResultFields, "all"), "orders").Properties[ResultFields]);
    }

    [Fact]
    public async Task Records_of_a_source_of_one_topic_carry_that_topic_in_one_shared_string()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, Values(3, "a"), partition: 0);
        await ProduceAsync(topic, Values(3, "b"), partition: 1);

        var records = await TakeAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(topic)), 6);

        Assert.All(records, record => Assert.Equal(topic, record.Topic));
        Assert.All(records, record => Assert.Same(records[0].Topic, record.Topic));
        Assert.Equal([0, 0, 0, 1, 1, 1], records.Select(r => r.Partition.Value).Order());
        Assert.All(records, record => Assert.NotNull(record.Message.Headers));
        Assert.All(records, record => Assert.NotEqual(TimestampType.NotAvailable, record.Message.Timestamp.Type));
    }

    [Fact]
    public async Task Records_of_a_source_of_two_topics_each_carry_their_own_topic()
    {
        var first = await NewTopicAsync();
        var second = await NewTopicAsync();
        await ProduceAsync(first, Values(2, "first"));
        await ProduceAsync(second, Values(2, "second"));

        var records = await TakeAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(first, second)), 4);

        Assert.All(records, record => Assert.Equal(record.Message.Value.StartsWith("first") ? first : second, record.Topic));
    }

    [Fact]
    public async Task A_users_deserializer_on_a_source_of_one_topic_is_still_given_the_topic()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(3));
        var deserializer = new TopicRecordingDeserializer();

        var records = await TakeAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()).WithValueDeserializer(deserializer),
            Subscriptions.Assignment(new TopicPartition(topic, 0))), 3);

        Assert.All(records, record => Assert.Equal(topic, record.Topic));
        Assert.All(deserializer.Topics, seen => Assert.Equal(topic, seen));
        Assert.True(deserializer.Topics.Count >= 3);
    }

    [Fact]
    public async Task A_record_that_a_built_in_deserializer_rejects_names_its_topic_in_the_failure()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["four", "bad"]);
        var settings = ConsumerSettings<string, int>.Create(Sys, Deserializers.Utf8, Deserializers.Int32)
            .WithProperties(Kafka.ConsumerProperties(NewGroup()))
            .WithLogger(Logger);

        var failure = await Assert.ThrowsAnyAsync<ConsumeException>(() =>
            KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
                .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.StoppingDecider))
                .RunWith(Sink.Ignore<ConsumeResult<string, int>>(), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(ErrorCode.Local_ValueDeserialization, failure.Error.Code);
        Assert.Equal(new TopicPartitionOffset(topic, 0, 1), failure.ConsumerRecord.TopicPartitionOffset);
    }

    [Fact]
    public async Task A_users_result_fields_setting_without_the_topic_is_kept_and_records_still_carry_the_topic()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(3));

        var records = await TakeAsync(KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()).WithProperty(ResultFields, "none"),
            Subscriptions.Topics(topic)), 3);

        Assert.Equal(Values(3), records.Select(r => r.Message.Value));
        Assert.All(records, record => Assert.Equal(topic, record.Topic));
        // "none" is the user's: no headers, no timestamps.
        Assert.All(records, record => Assert.Null(record.Message.Headers));
        Assert.All(records, record => Assert.Equal(TimestampType.NotAvailable, record.Message.Timestamp.Type));
    }

    [Fact]
    public async Task A_source_of_two_topics_refuses_a_result_fields_setting_that_leaves_out_the_topic()
    {
        var settings = ConsumerSettings(NewGroup()).WithProperty(ResultFields, "headers, timestamp");

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() =>
            KafkaConsumer.PlainSource(settings, Subscriptions.Assignment(new TopicPartition("orders", 0), new TopicPartition("payments", 0)))
                .RunWith(Sink.Ignore<ConsumeResult<string, string>>(), Materializer)
                .WaitAsync(Patience));

        Assert.Contains(ResultFields, failure.Message);
        Assert.Contains("leaves out the topic", failure.Message);
    }

    [Fact]
    public async Task A_shared_consumer_refuses_a_result_fields_setting_that_leaves_out_the_topic_and_accepts_one_naming_it()
    {
        var settings = ConsumerSettings(NewGroup());

        Assert.Throws<ArgumentException>(() => SharedKafkaConsumer<string, string>.Create(settings.WithProperty(ResultFields, "none")));
        await SharedKafkaConsumer<string, string>.Create(settings.WithProperty(ResultFields, "timestamp,topic")).DisposeAsync();
    }
}
