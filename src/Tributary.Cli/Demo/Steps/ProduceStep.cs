using System.Diagnostics;
using Akka.Streams.Dsl;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Demo.Steps;

/// <summary>Seed exercise 1: <see cref="KafkaProducer.PlainSink{TKey,TValue}(ProducerSettings{TKey,TValue})"/> writes the greetings, idempotently with acks=all.</summary>
internal sealed class ProduceStep : IDemoStep
{
    public string Name => "produce";

    public string Label => "Produce";

    public string Api => "PlainSink";

    public string Title => "Produce with KafkaProducer.PlainSink";

    public IReadOnlyList<string> Needs => [];

    public long Work(DemoCluster demo) => demo.Messages;

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var settings = demo.ProducerSettings()
            .WithProperty("acks", "all")
            .WithProperty("enable.idempotence", "true")
            .WithProperty("linger.ms", "5");
        var stopwatch = Stopwatch.StartNew();
        await Source.From(Enumerable.Range(1, demo.Messages))
            .Select(i =>
            {
                advance();
                return new ProducerRecord<string, string>(DemoCluster.GreetingsTopic, $"key-{i}", $"hello {i}");
            })
            .RunWith(KafkaProducer.PlainSink(settings), demo.Materializer)
            .WaitAsync(StreamRuns.Patience, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var written = demo.Inspector.EndOffsetTotal(DemoCluster.GreetingsTopic, DemoCluster.Partitions);
        return new StepOutcome(demo.Messages, elapsed,
            [new DemoCheck($"{DemoCluster.GreetingsTopic} holds {demo.Messages:N0} records", written == demo.Messages)], []);
    }
}
