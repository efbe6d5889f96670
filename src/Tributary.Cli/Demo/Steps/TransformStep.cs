using System.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Demo.Steps;

/// <summary>
/// Seed exercise 3: <see cref="Transactional.Source{TKey,TValue}"/> reads the greetings, a transform shouts them and
/// <see cref="Transactional.Sink{TKey,TValue}(ProducerSettings{TKey,TValue},TransactionalSettings)"/> writes them with their
/// consumed offsets in the same transactions. A read_committed reader then finds every key exactly once in the output.
/// </summary>
internal sealed class TransformStep : IDemoStep
{
    private const string OutputTopic = "demo-shouted-greetings";
    private const string Group = "demo-transformer";

    public string Name => "transform";

    public string Label => "Transform";

    public string Api => "Transactional";

    public string Title => "Transform exactly-once with Transactional.Source and Transactional.Sink";

    public IReadOnlyList<string> Needs => ["produce"];

    public long Work(DemoCluster demo) => demo.Messages;

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        await demo.CreateTopicAsync(OutputTopic, DemoCluster.Partitions, cancellationToken: cancellationToken);
        var processed = 0L;
        var stopwatch = Stopwatch.StartNew();
        var control = Transactional.Source(demo.ConsumerSettings(Group), Subscriptions.Topics(DemoCluster.GreetingsTopic))
            .Select(message =>
            {
                advance();
                Interlocked.Increment(ref processed);
                var shouted = new ProducerRecord<string, string>(OutputTopic, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant());
                return ProducerMessage.Single(shouted, message.PartitionOffset);
            })
            .ToMaterialized(Transactional.Sink(demo.ProducerSettings(), TransactionalSettings.Create("demo-transformer")), DrainingControl<Done>.Create)
            .Run(demo.Materializer);
        await StreamRuns.UntilAsync(() => Interlocked.Read(ref processed) >= demo.Messages, control, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var output = demo.Inspector.ReadAll(OutputTopic, DemoCluster.Partitions, IsolationLevel.ReadCommitted, cancellationToken);
        var distinctKeys = output.Select(r => r.Message.Key).Distinct().Count();
        var committed = await demo.Inspector.CommittedTotalAsync(Group);
        return new StepOutcome(Interlocked.Read(ref processed), elapsed,
        [
            new DemoCheck($"read_committed output holds {output.Count:N0} of {demo.Messages:N0} records", output.Count == demo.Messages),
            new DemoCheck("every key exactly once in the output", distinctKeys == demo.Messages && output.Count == demo.Messages),
            new DemoCheck("every output value transformed", output.All(r => r.Message.Value == r.Message.Value.ToUpperInvariant())),
            new DemoCheck($"{demo.Messages:N0} offsets committed in the transactions", committed == demo.Messages),
        ], []);
    }
}
