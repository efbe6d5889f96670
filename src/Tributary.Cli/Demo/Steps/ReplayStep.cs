using System.Diagnostics;

namespace Tributary.Cli.Demo.Steps;

/// <summary>
/// Replay: Kafka keeps messages after they are read, so a second consumer group reads the same greetings from the
/// beginning, with offsets of its own; the first group's committed offsets stay where they were.
/// </summary>
internal sealed class ReplayStep : IDemoStep
{
    private const string Group = "demo-auditor";

    public string Name => "replay";

    public string Label => "Replay";

    public string Api => "second group";

    public string Title => "Replay from the beginning in a second consumer group";

    public IReadOnlyList<string> Needs => ["produce", "consume"];

    public long Work(DemoCluster demo) => demo.Messages;

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var firstGroupBefore = await demo.Inspector.CommittedTotalAsync(ConsumeStep.Group);
        var stopwatch = Stopwatch.StartNew();
        var (keys, firstOffsets) = await StreamRuns.ReadGreetingsAsync(demo, Group, advance, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var committed = await demo.Inspector.CommittedTotalAsync(Group);
        var firstGroupAfter = await demo.Inspector.CommittedTotalAsync(ConsumeStep.Group);
        return new StepOutcome(keys.Values.Sum(), elapsed,
        [
            new DemoCheck($"group {Group} read all {demo.Messages:N0} keys again, from offset 0 on every partition",
                keys.Count == demo.Messages && firstOffsets.Count == DemoCluster.Partitions && firstOffsets.Values.All(offset => offset == 0)),
            new DemoCheck($"{Group} committed {committed:N0} offsets of its own", committed == demo.Messages),
            new DemoCheck($"{ConsumeStep.Group}'s offsets unchanged ({firstGroupAfter:N0})", firstGroupAfter == firstGroupBefore && firstGroupBefore == demo.Messages),
        ], []);
    }
}
