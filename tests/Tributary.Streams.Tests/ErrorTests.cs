using System.Text;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class ErrorTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    /// <summary>Rejects values spelled "bad".</summary>
    private sealed class PickyDeserializer : IDeserializer<string>
    {
        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            var value = Encoding.UTF8.GetString(data);
            return value == "bad" ? throw new FormatException("bad value") : value;
        }
    }

    [Fact]
    public async Task A_record_that_fails_to_deserialize_fails_the_source_with_its_position_after_the_records_before_it()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["ok0", "ok1", "bad", "ok3"]);
        var received = new List<string>();

        var failure = await Assert.ThrowsAsync<KafkaDeserializationException>(() =>
            KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()).WithValueDeserializer(new PickyDeserializer()), Subscriptions.Topics(topic))
                .RunForeach(r => received.Add(r.Message.Value), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(["ok0", "ok1"], received);
        Assert.Equal(new TopicPartitionOffset(topic, 0, 2), failure.Record);
        Assert.False(failure.IsKey);
        Assert.Contains($"{topic}[0]@2", failure.Message);
    }

    [Fact]
    public async Task A_decider_can_skip_records_that_fail_to_deserialize()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, ["ok0", "bad", "ok2"]);
        var settings = ConsumerSettings(NewGroup())
            .WithValueDeserializer(new PickyDeserializer())
            .WithDeserializationDecider(_ => Directive.Resume);

        var values = await KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
            .Take(2)
            .Select(r => r.Message.Value)
            .RunWith(Sink.Seq<string>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal(["ok0", "ok2"], values);
    }

    [Fact]
    public async Task A_consumer_that_cannot_work_fails_the_stream_with_a_clear_exception()
    {
        var topic = await NewTopicAsync();
        var withoutGroup = ConsumerSettings<string, string>.Create(Sys, null, null).WithBootstrapServers(Kafka.BootstrapServers);

        var (control, completion) = KafkaConsumer.PlainSource(withoutGroup, Subscriptions.Topics(topic))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Both)
            .Run(Materializer);

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() => completion.WaitAsync(Patience));
        Assert.Contains("group.id", failure.Message);
        await control.IsShutdown.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_subscription_the_client_rejects_fails_the_stream_with_a_clear_exception()
    {
        var (control, completion) = KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()), Subscriptions.TopicPattern("^(unclosed"))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Both)
            .Run(Materializer);

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() => completion.WaitAsync(Patience));
        Assert.IsAssignableFrom<KafkaException>(failure.InnerException);
        await control.IsShutdown.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_fatal_client_error_fails_the_stream_with_a_clear_exception()
    {
        const short heartbeat = 12;
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(1));
        var received = new TaskCompletionSource();
        // A static member that the group fences is a fatal error for librdkafka.
        var settings = ConsumerSettings(NewGroup()).WithProperty("group.instance.id", KafkaFixture.UniqueName("member"));

        var completion = KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
            .RunForeach(_ => received.TrySetResult(), Materializer);
        await received.Task.WaitAsync(Patience);
        Kafka.FailNextRequests(heartbeat, ErrorCode.FencedInstanceId);

        var failure = await Assert.ThrowsAsync<KafkaConsumerFailedException>(() => completion.WaitAsync(Patience));
        Assert.Contains("fatal error", failure.Message);
        Assert.Contains("fenced", failure.Message);
    }
}
