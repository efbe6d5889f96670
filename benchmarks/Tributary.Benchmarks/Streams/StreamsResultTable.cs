using System.Globalization;
using System.Text;

namespace Tributary.Benchmarks.Streams;

/// <summary>Formats the connector results as Markdown tables, ready for docs/benchmarks.md.</summary>
internal static class StreamsResultTable
{
    /// <summary>Issue 5: each scenario's raw and Tributary rows side by side, with the ratio and allocations.</summary>
    public static string Connectors(IReadOnlyList<ScenarioSummary> results, IReadOnlyList<ScenarioResult> runs, string rawSide, string tributarySide) =>
        SideBySide(results, runs, rawSide, tributarySide, "Raw", "Tributary");

    /// <summary>Each scenario's rows of two sides (baseline first), with the ratio of the second to the baseline and allocations.</summary>
    public static string SideBySide(IReadOnlyList<ScenarioSummary> results, IReadOnlyList<ScenarioResult> runs, string baselineSide, string side,
        string baselineLabel, string sideLabel)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"| Scenario | {baselineLabel} msg/s (min-max, runs) | {sideLabel} msg/s (min-max, runs) | {sideLabel} / {baselineLabel.ToLowerInvariant()}, per run: median (min-max) | {sideLabel} / {baselineLabel.ToLowerInvariant()}, of the medians | {baselineLabel} alloc B/msg | {sideLabel} alloc B/msg | Difference B/msg |"));
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var raw in results.Where(r => r.Side == baselineSide))
        {
            var tributary = results.Single(r => r.Scenario == raw.Scenario && r.Side == side);
            var paired = ScenarioResult.PairedRatio(runs, raw.Scenario, baselineSide, side);
            text.AppendLine(Invariant($"| {raw.Scenario} | {Rate(raw)} | {Rate(tributary)} | {paired.Median:0.00}x ({paired.Min:0.00}-{paired.Max:0.00}) | {tributary.MedianMessagesPerSecond / raw.MedianMessagesPerSecond:0.00}x | {raw.MedianAllocatedBytesPerMessage:N0} | {tributary.MedianAllocatedBytesPerMessage:N0} | {tributary.MedianAllocatedBytesPerMessage - raw.MedianAllocatedBytesPerMessage:N0} |"));
        }
        return text.ToString();
    }

    /// <summary>Issue 6: exactly-once against at-least-once throughput, then the latency phase.</summary>
    public static string ExactlyOnce(IReadOnlyList<ScenarioSummary> results, IReadOnlyList<EndToEndLatency.Result> latencies, string atLeastOnceSide, string exactlyOnceSide)
    {
        const string scenario = "consume-transform-produce";
        var atLeastOnce = results.Single(r => r.Scenario == scenario && r.Side == atLeastOnceSide);
        var exactlyOnce = results.Single(r => r.Scenario == scenario && r.Side == exactlyOnceSide);
        var text = new StringBuilder();
        text.AppendLine("| Pipeline | msg/s (min-max, runs) | Ratio to at-least-once (medians) | Alloc B/msg |");
        text.AppendLine("|---|--:|--:|--:|");
        text.AppendLine(Invariant($"| at-least-once (CommittableSource -> Select -> FlexiFlow -> Committer) | {Rate(atLeastOnce)} | 1.00x | {atLeastOnce.MedianAllocatedBytesPerMessage:N0} |"));
        text.AppendLine(Invariant($"| exactly-once (Transactional.Source -> Select -> Transactional.Sink, 100 ms) | {Rate(exactlyOnce)} | {exactlyOnce.MedianMessagesPerSecond / atLeastOnce.MedianMessagesPerSecond:0.00}x | {exactlyOnce.MedianAllocatedBytesPerMessage:N0} |"));
        text.AppendLine();
        text.AppendLine("| Pipeline | Messages | Input rate msg/s | p50 ms | p99 ms | max ms |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|");
        foreach (var row in latencies)
            text.AppendLine(Invariant($"| {row.Pipeline} | {row.Messages:N0} | {row.Rate:N0} | {row.P50Ms:0.0} | {row.P99Ms:0.0} | {row.MaxMs:0.0} |"));
        return text.ToString();
    }

    private static string Rate(ScenarioSummary row) => Invariant($"{row.MedianMessagesPerSecond:N0} ({row.MinMessagesPerSecond:N0}-{row.MaxMessagesPerSecond:N0}, {row.Runs} runs)");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
