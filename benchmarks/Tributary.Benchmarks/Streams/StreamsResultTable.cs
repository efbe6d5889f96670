using System.Globalization;
using System.Text;

namespace Tributary.Benchmarks.Streams;

/// <summary>Formats the connector results as Markdown tables, ready for docs/benchmarks.md.</summary>
internal static class StreamsResultTable
{
    /// <summary>Issue 5: each scenario's raw and Tributary rows side by side, with the ratio and allocations.</summary>
    public static string Connectors(IReadOnlyList<ScenarioResult> results, string rawSide, string tributarySide)
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Raw msg/s | Tributary msg/s | Tributary / raw | Raw alloc B/msg | Tributary alloc B/msg | Difference B/msg |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var raw in results.Where(r => r.Side == rawSide))
        {
            var tributary = results.Single(r => r.Scenario == raw.Scenario && r.Side == tributarySide);
            text.AppendLine(Invariant($"| {raw.Scenario} | {raw.MessagesPerSecond:N0} | {tributary.MessagesPerSecond:N0} | {tributary.MessagesPerSecond / raw.MessagesPerSecond:0.00}x | {raw.AllocatedBytesPerMessage:N0} | {tributary.AllocatedBytesPerMessage:N0} | {tributary.AllocatedBytesPerMessage - raw.AllocatedBytesPerMessage:N0} |"));
        }
        return text.ToString();
    }

    /// <summary>Issue 6: exactly-once against at-least-once throughput, then the latency phase.</summary>
    public static string ExactlyOnce(IReadOnlyList<ScenarioResult> results, IReadOnlyList<EndToEndLatency.Result> latencies, string atLeastOnceSide, string exactlyOnceSide)
    {
        const string scenario = "consume-transform-produce";
        var atLeastOnce = results.Single(r => r.Scenario == scenario && r.Side == atLeastOnceSide);
        var exactlyOnce = results.Single(r => r.Scenario == scenario && r.Side == exactlyOnceSide);
        var text = new StringBuilder();
        text.AppendLine("| Pipeline | msg/s | Ratio to at-least-once | Alloc B/msg |");
        text.AppendLine("|---|--:|--:|--:|");
        text.AppendLine(Invariant($"| at-least-once (CommittableSource -> Select -> FlexiFlow -> Committer) | {atLeastOnce.MessagesPerSecond:N0} | 1.00x | {atLeastOnce.AllocatedBytesPerMessage:N0} |"));
        text.AppendLine(Invariant($"| exactly-once (Transactional.Source -> Select -> Transactional.Sink, 100 ms) | {exactlyOnce.MessagesPerSecond:N0} | {exactlyOnce.MessagesPerSecond / atLeastOnce.MessagesPerSecond:0.00}x | {exactlyOnce.AllocatedBytesPerMessage:N0} |"));
        text.AppendLine();
        text.AppendLine("| Pipeline | Messages | Input rate msg/s | p50 ms | p99 ms | max ms |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|");
        foreach (var row in latencies)
            text.AppendLine(Invariant($"| {row.Pipeline} | {row.Messages:N0} | {row.Rate:N0} | {row.P50Ms:0.0} | {row.P99Ms:0.0} | {row.MaxMs:0.0} |"));
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
