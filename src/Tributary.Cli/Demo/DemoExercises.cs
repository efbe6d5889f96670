using System.Collections.Concurrent;
using System.Diagnostics;
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

namespace Tributary.Cli.Demo;

/// <summary>
/// The three seed exercises, run with the Tributary.Streams connectors against a running cluster: produce with the
/// Kafka sink, consume with the committable source and a committer, and consume-transform-produce exactly-once.
/// Each one checks its outcome with <see cref="TopicInspector"/>.
/// </summary>
internal sealed class DemoExercises(string bootstrapServers, ActorSystem system, int messages)
{
    /// <summary>The topic the first exercise writes and the others read.</summary>
    public const string InputTopic = "demo-greetings";

    /// <summary>The topic the exactly-once exercise writes.</summary>
    public const string OutputTopic = "demo-shouted-greetings";

    /// <summary>Partitions of both topics.</summary>
    public const int Partitions = 3;

    // Long enough for a slow CI machine, short enough that a hang ends the demo with a failed check.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TopicInspector _inspector = new(bootstrapServers);
    private readonly IMaterializer _materializer = system.Materializer();

    /// <summary>Seed exercise 1 (<paramref name="advance"/> is called per message): <see cref="KafkaProducer.PlainSink{TKey,TValue}(ProducerSettings{TKey,TValue})"/> writes the messages.</summary>
    public async Task<ExerciseResult> ProduceAsync(Action advance, CancellationToken cancellationToken)
    {
        var settings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
            .WithBootstrapServers(bootstrapServers)
            .WithProperty("acks", "all")
            .WithProperty("enable.idempotence", "true")
            .WithProperty("linger.ms", "5");
        var stopwatch = Stopwatch.StartNew();
        await Source.From(Enumerable.Range(1, messages))
            .Select(i =>
            {
                advance();
                return new ProducerRecord<string, string>(InputTopic, Key(i), $"hello {i}");
            })
            .RunWith(KafkaProducer.PlainSink(settings), _materializer)
            .WaitAsync(Patience, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var written = _inspector.EndOffsetTotal(InputTopic, Partitions);
        return new ExerciseResult("1. Produce (PlainSink)", messages, elapsed, null, null,
            [new DemoCheck($"{InputTopic} holds {messages} records", written == messages)]);
    }

    /// <summary>
    /// Seed exercise 2: <see cref="KafkaConsumer.CommittableSource{TKey,TValue}"/> reads them in a consumer group and
    /// <see cref="Committer.Sink"/> commits their offsets; the stream is drained so every offset is committed.
    /// </summary>
    public async Task<ExerciseResult> ConsumeAsync(Action advance, CancellationToken cancellationToken)
    {
        const string group = "demo-consumer";
        var keys = new ConcurrentDictionary<string, int>();
        var stopwatch = Stopwatch.StartNew();
        var control = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(InputTopic))
            .Select(message =>
            {
                keys.AddOrUpdate(message.Record.Message.Key, 1, (_, seen) => seen + 1);
                advance();
                return (ICommittable)message.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(system)), DrainingControl<Done>.Create)
            .Run(_materializer);
        await RunUntilAsync(() => keys.Count >= messages, control, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var committed = await _inspector.CommittedTotalAsync(group);
        var duplicates = keys.Values.Sum(seen => seen - 1L);
        return new ExerciseResult("2. Consume (CommittableSource)", keys.Values.Sum(), elapsed, committed, duplicates,
        [
            new DemoCheck($"all {messages} keys read", keys.Count == messages),
            new DemoCheck($"{messages} offsets committed", committed == messages),
        ]);
    }

    /// <summary>
    /// Seed exercise 3: <see cref="Transactional.Source{TKey,TValue}"/> reads the messages, a transform shouts them and
    /// <see cref="Transactional.Sink{TKey,TValue}(ProducerSettings{TKey,TValue},TransactionalSettings)"/> writes them with their consumed offsets in the same transactions.
    /// A read_committed reader then finds every key exactly once in the output.
    /// </summary>
    public async Task<ExerciseResult> TransformExactlyOnceAsync(Action advance, CancellationToken cancellationToken)
    {
        const string group = "demo-transformer";
        var producerSettings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
            .WithBootstrapServers(bootstrapServers);
        var processed = 0L;
        var stopwatch = Stopwatch.StartNew();
        var control = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(InputTopic))
            .Select(message =>
            {
                advance();
                Interlocked.Increment(ref processed);
                var shouted = new ProducerRecord<string, string>(OutputTopic, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant());
                return ProducerMessage.Single(shouted, message.PartitionOffset);
            })
            .ToMaterialized(Transactional.Sink(producerSettings, TransactionalSettings.Create("tributary-demo-transformer")), DrainingControl<Done>.Create)
            .Run(_materializer);
        await RunUntilAsync(() => Interlocked.Read(ref processed) >= messages, control, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var output = _inspector.ReadCommitted(OutputTopic, Partitions, cancellationToken);
        var distinctKeys = output.Select(r => r.Message.Key).Distinct().Count();
        var committed = await _inspector.CommittedTotalAsync(group);
        return new ExerciseResult("3. Transform (Transactional)", Interlocked.Read(ref processed), elapsed, committed, output.Count - distinctKeys,
        [
            new DemoCheck($"read_committed output holds {messages} records", output.Count == messages),
            new DemoCheck("every key exactly once in the output", distinctKeys == messages && output.Count == messages),
            new DemoCheck("every output value transformed", output.All(r => r.Message.Value == r.Message.Value.ToUpperInvariant())),
            new DemoCheck($"{messages} offsets committed in the transactions", committed == messages),
        ]);
    }

    private ConsumerSettings<string, string> ConsumerSettings(string group) =>
        ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
            .WithBootstrapServers(bootstrapServers)
            .WithGroupId(group)
            .WithProperty("auto.offset.reset", "earliest");

    // Lets the stream run until it has seen everything (or failed, or run out of patience), then drains it, so what
    // is in flight is finished and committed before the consumer closes.
    private static async Task RunUntilAsync(Func<bool> done, DrainingControl<Done> control, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!done() && !control.StreamCompletion.IsCompleted && deadline.Elapsed < Patience)
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        await control.DrainAndShutdown().WaitAsync(Patience, cancellationToken);
    }

    private static string Key(int i) => $"key-{i}";
}
