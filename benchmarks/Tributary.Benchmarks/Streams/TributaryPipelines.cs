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

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// The Tributary side: the pipelines of the examples, with byte-array values and library defaults. Consuming
/// pipelines run until the clock has seen every message, then DrainAndShutdown (final commit, consumer close).
/// <paramref name="bufferSize"/> and <paramref name="maxPollRecords"/>, if not 0, replace the sources' defaults.
/// </summary>
internal sealed class TributaryPipelines(ActorSystem system, StreamsTopology topology, int bufferSize = 0, int maxPollRecords = 0)
{
    private readonly IMaterializer _materializer = system.Materializer();

    /// <summary>PlainSource into Sink.Ignore.</summary>
    public Task ConsumeAsync(string topic, ScenarioClock clock) =>
        RunUntilAllSeenAsync(clock, KafkaConsumer.PlainSource(ConsumerSettings("plain-consume"), Subscriptions.Topics(topic))
            .Select(clock.Observe)
            .ToMaterialized(Sink.Ignore<ConsumeResult<Null, byte[]>>(), DrainingControl<Done>.Create));

    /// <summary>CommittableSource into Committer.Sink with the default CommitterSettings.</summary>
    public Task ConsumeAndCommitAsync(string topic, ScenarioClock clock) =>
        RunUntilAllSeenAsync(clock, KafkaConsumer.CommittableSource(ConsumerSettings("committable-consume"), Subscriptions.Topics(topic))
            .Select(message => clock.Observe((ICommittable)message.CommittableOffset))
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(system)), DrainingControl<Done>.Create));

    /// <summary>CommittableSource -> Select -> FlexiFlow -> Committer.Sink (at-least-once).</summary>
    public Task ConsumeTransformProduceAsync(string inputTopic, string outputTopic, ScenarioClock clock, string group = "at-least-once") =>
        RunUntilAllSeenAsync(clock, AtLeastOnce(inputTopic, outputTopic, group, clock.Observe));

    /// <summary>Transactional.Source -> Select -> Transactional.Sink with a 100 ms commit interval (exactly-once).</summary>
    public Task ExactlyOnceAsync(string inputTopic, string outputTopic, ScenarioClock clock, string group = "exactly-once") =>
        RunUntilAllSeenAsync(clock, ExactlyOnce(inputTopic, outputTopic, group, clock.Observe));

    /// <summary>The at-least-once pipeline; <paramref name="observe"/> sees each offset once its output is acknowledged.</summary>
    public IRunnableGraph<DrainingControl<Done>> AtLeastOnce(string inputTopic, string outputTopic, string group, Func<ICommittable, ICommittable> observe) =>
        KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(inputTopic))
            .Select(message => ProducerMessage.Single(Transform(outputTopic, message.Record), (ICommittable)message.CommittableOffset))
            .Via(KafkaProducer.FlexiFlow<Null, byte[], ICommittable>(ProducerSettings()))
            .Select(result => observe(result.PassThrough))
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(system)), DrainingControl<Done>.Create);

    /// <summary>
    /// The exactly-once pipeline; <paramref name="observe"/> sees each envelope as it enters the sink (the sink
    /// shows nothing after it), so the drain at the end waits for the last sends and the last commit.
    /// </summary>
    public IRunnableGraph<DrainingControl<Done>> ExactlyOnce(string inputTopic, string outputTopic, string group,
        Func<IEnvelope<Null, byte[], GroupTopicPartitionOffset>, IEnvelope<Null, byte[], GroupTopicPartitionOffset>> observe) =>
        Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(inputTopic))
            .Select(message => observe(ProducerMessage.Single(Transform(outputTopic, message.Record), message.PartitionOffset)))
            .ToMaterialized(Transactional.Sink(ProducerSettings(), TransactionalSettings.Create($"{group}-{Guid.NewGuid():N}")
                .WithCommitInterval(TimeSpan.FromMilliseconds(100))), DrainingControl<Done>.Create);

    /// <summary>PlainSink fed <see cref="ScenarioClock.Messages"/> copies of <paramref name="value"/>, each with <paramref name="headers"/> if given.</summary>
    public Task ProduceAsync(string topic, byte[] value, ScenarioClock clock, Headers? headers = null) =>
        Source.Repeat(new ProducerRecord<Null, byte[]>(topic, new Message<Null, byte[]> { Value = value, Headers = headers }))
            .Take(clock.Messages)
            .Select(clock.Observe)
            .RunWith(KafkaProducer.PlainSink(ProducerSettings()), _materializer);

    /// <summary>Materializes <paramref name="graph"/>.</summary>
    public DrainingControl<Done> Run(IRunnableGraph<DrainingControl<Done>> graph) => graph.Run(_materializer);

    private async Task RunUntilAllSeenAsync(ScenarioClock clock, IRunnableGraph<DrainingControl<Done>> graph)
    {
        var control = graph.Run(_materializer);
        // A stream that fails before it has seen everything ends the wait, and DrainAndShutdown rethrows its failure.
        await Task.WhenAny(clock.AllSeen, control.StreamCompletion);
        await control.DrainAndShutdown();
    }

    private static ProducerRecord<Null, byte[]> Transform(string outputTopic, ConsumeResult<Null, byte[]> record) =>
        new(outputTopic, null!, RawLoops.Transform(record.Message.Value));

    private ConsumerSettings<Null, byte[]> ConsumerSettings(string group)
    {
        var settings = Tributary.Streams.Settings.ConsumerSettings<Null, byte[]>.Create(system, Deserializers.Null, Deserializers.ByteArray)
            .WithProperties(topology.ConsumerConfig(StreamsTopology.NewGroup(group)));
        if (bufferSize > 0)
            settings = settings.WithBufferSize(bufferSize);
        return maxPollRecords > 0 ? settings.WithMaxPollRecords(maxPollRecords) : settings;
    }

    private ProducerSettings<Null, byte[]> ProducerSettings() =>
        Tributary.Streams.Settings.ProducerSettings<Null, byte[]>.Create(system, Serializers.Null, Serializers.ByteArray)
            .WithProperties(topology.ProducerConfig());
}
