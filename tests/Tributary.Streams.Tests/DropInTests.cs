using Confluent.Kafka;
using Tributary.Streams.DropIn;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// Runs <see cref="AkkaStreamsKafkaStyle"/>, code written with Akka.Streams.Kafka's names only (namespaces swapped),
/// against the embedded cluster: that it builds proves the API shape, these prove the behaviour.
/// </summary>
public sealed class DropInTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private AkkaStreamsKafkaStyle Style => new(Sys, Kafka.BootstrapServers);

    /// <summary>Serializes numbers as Int32 and refuses "5", as Akka.Streams.Kafka's FailingSerializer.</summary>
    private sealed class FailingSerializer : ISerializer<string>
    {
        public byte[] Serialize(string data, SerializationContext context) =>
            data == "5" ? throw new FormatException("BOOM") : BitConverter.GetBytes(int.Parse(data));
    }

    [Fact]
    public void The_reference_configuration_is_KafkaExtensions_DefaultSettings()
    {
        Assert.Equal(1000, AkkaStreamsKafkaStyle.Default().GetInt("akka.kafka.committer.max-batch"));
        Assert.Equal("INFO", AkkaStreamsKafkaStyle.Default().GetString("akka.loglevel"));
        Assert.False(Style.AutoCreateTopicsEnabled(NewGroup()));
    }

    [Fact]
    public async Task The_seed_exercises_run_as_written_for_Akka_Streams_Kafka()
    {
        var topic = await NewTopicAsync();
        var target = await NewTopicAsync();
        var group = NewGroup();

        await Style.ProduceStrings(topic, Enumerable.Range(1, 10)).WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString()), await Style.PlainSourceValues(topic, NewGroup(), 10).WaitAsync(Patience));

        await Style.ConsumeTransformProduce(topic, target, group, () => EndOffsets(target) >= 10).WaitAsync(Patience);
        var copied = await ReadAllAsync(target, 1, 10);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"{i}!"), copied.Select(r => r.Message.Value));
        Assert.Equal(10, (await CommittedAsync(group, topic, 1))[0]);
    }

    [Fact]
    public async Task Commit_on_each_offset_and_GroupTopicPartitionOffset_work_as_in_Akka_Streams_Kafka()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await Style.ProduceStrings(new TopicPartition(topic, 0), Enumerable.Range(1, 5)).WaitAsync(Patience);

        var consumed = await Style.CommitEachRecord(topic, group, 5).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => ((i + 1).ToString(), (long)i)), consumed);
        Assert.Equal(5, (await CommittedAsync(group, topic, 1))[0]);
    }

    [Fact]
    public async Task The_exactly_once_exercise_runs_with_TransactionalSource_and_TransactionalSink_by_id()
    {
        var source = await NewTopicAsync();
        var target = await NewTopicAsync();
        var group = NewGroup();
        await Style.ProduceStrings(source, Enumerable.Range(1, 20)).WaitAsync(Patience);

        await Style.Transactional(source, target, group, () => Committed(group, source) >= 20).WaitAsync(Patience);

        var copied = await ReadAllAsync(target, 1, 20);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString()), copied.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task Multi_and_value_only_PassThrough_envelopes_produce_one_result_each()
    {
        var topic = await NewTopicAsync();

        Assert.Equal(3, await Style.MultiAndPassThrough(topic).WaitAsync(Patience));
        Assert.Equal(4, (await ReadAllAsync(topic, 1, 4)).Count);
    }

    [Fact]
    public async Task An_overridden_producer_decider_resumes_PlainSink_past_a_serialization_error()
    {
        var topic = await NewTopicAsync();

        Assert.Equal(1, await Style.PlainSinkResumingOnSerializationErrors(topic, new FailingSerializer()).WaitAsync(Patience));
        Assert.Equal(9, (await ReadAllAsync(topic, 1, 9)).Count);
    }

    [Fact]
    public async Task Deserialization_errors_resume_or_stop_the_source_as_the_decider_says()
    {
        var topic = await NewTopicAsync();
        await Style.ProduceStrings(new TopicPartition(topic, 0), Enumerable.Range(10, 10)).WaitAsync(Patience);

        // Two-byte strings are not Int32s: every record fails. Tributary decides once per record (Akka.Streams.Kafka twice).
        Assert.Equal(10, await Style.PlainSourceResumingOnDeserializationErrors(topic, NewGroup(), TimeSpan.FromSeconds(3)).WaitAsync(Patience));
        var stopped = await Style.PlainSourceStoppingOnDeserializationErrors(topic, NewGroup()).WaitAsync(Patience);
        Assert.IsAssignableFrom<ConsumeException>(stopped);
    }

    [Fact]
    public async Task External_plain_sources_share_a_consumer_actor()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await Style.ProduceStrings(new TopicPartition(topic, 0), Enumerable.Range(1, 3)).WaitAsync(Patience);
        await Style.ProduceStrings(new TopicPartition(topic, 1), Enumerable.Range(4, 3)).WaitAsync(Patience);

        var values = await Style.ExternalPlainSources(topic, NewGroup(), 3).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(1, 6).Select(i => i.ToString()), values);
    }

    [Fact]
    public async Task Manual_offsets_on_assign_with_immutable_sets_start_each_partition_there()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await Style.ProduceStrings(new TopicPartition(topic, 0), Enumerable.Range(0, 4)).WaitAsync(Patience);
        await Style.ProduceStrings(new TopicPartition(topic, 1), Enumerable.Range(10, 4)).WaitAsync(Patience);

        var values = await Style.PartitionedManualOffsets(topic, NewGroup(), 4, firstOffset: 2).WaitAsync(Patience);

        Assert.Equal(["12", "13", "2", "3"], values.Order());
    }

    [Fact]
    public async Task A_subscriptions_partition_event_handler_sees_assignment_and_stop()
    {
        var topic = await NewTopicAsync();
        await Style.ProduceStrings(topic, Enumerable.Range(1, 3)).WaitAsync(Patience);

        var (assigned, stopped) = await Style.CustomPartitionEventHandling(topic, NewGroup(), 3).WaitAsync(Patience);

        Assert.True(assigned > 0);
        Assert.True(stopped > 0);
    }

    [Fact]
    public async Task CreateKafkaConsumer_builds_a_plain_consumer_from_the_settings()
    {
        var topic = await NewTopicAsync();
        await Style.ProduceStrings(topic, Enumerable.Range(1, 5)).WaitAsync(Patience);

        Assert.Equal(5, await Task.Run(() => Style.ReadWithKafkaConsumer(new TopicPartition(topic, 0), NewGroup(), 5)).WaitAsync(Patience));
    }

    private long Committed(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Kafka.ConsumerProperties(group)).Build();
        return consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10))[0].Offset.Value;
    }

    private long EndOffsets(string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Kafka.ConsumerProperties(NewGroup())).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
    }
}
