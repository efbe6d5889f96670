using System.Diagnostics;
using Tributary.Streams.Dsl;

namespace Tributary.Cli.Demo.Steps;

/// <summary>
/// Seed exercise 2: <see cref="KafkaConsumer.CommittableSource{TKey,TValue}"/> reads the greetings in a consumer group
/// and <see cref="Committer.Sink"/> commits their offsets; the stream is drained so every offset is committed.
/// </summary>
internal sealed class ConsumeStep : IDemoStep
{
    /// <summary>The consumer group of this step.</summary>
    public const string Group = "demo-consumer";

    public string Name => "consume";

    public string Label => "Consume";

    public string Api => "CommittableSource";

    public string Title => "Consume with KafkaConsumer.CommittableSource";

    public IReadOnlyList<string> Needs => ["produce"];

    public long Work(DemoCluster demo) => demo.Messages;

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (keys, _) = await StreamRuns.ReadGreetingsAsync(demo, Group, advance, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var committed = await demo.Inspector.CommittedTotalAsync(Group);
        var duplicates = keys.Values.Sum(seen => seen - 1L);
        return new StepOutcome(keys.Values.Sum(), elapsed,
        [
            new DemoCheck($"all {demo.Messages:N0} keys read, {duplicates:N0} read twice", keys.Count == demo.Messages && duplicates == 0),
            new DemoCheck($"{demo.Messages:N0} offsets committed by group {Group}", committed == demo.Messages),
        ], []);
    }
}
