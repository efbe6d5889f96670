using System.Globalization;
using System.Text;

namespace Tributary.Benchmarks.Cluster;

/// <summary>Formats the results as Markdown tables, ready for docs/benchmarks.md.</summary>
internal static class ResultTable
{
    private const string MockPrefix = "librdkafka mock";

    /// <summary>The throughput table: one row per scenario and target, with the ratio to the row of the mock with as many brokers.</summary>
    public static string Throughput(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        var repeated = results.Any(r => r.Run > 1);
        text.AppendLine("| Scenario | Target | Messages | Seconds | msg/s | MB/s | vs mock | Broker alloc B/msg | of which kept B/msg | Broker faulted B/msg | Broker CPU µs/msg | CPU vs mock | Broker methods compiled | Client CPU µs/msg | Note |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var row in results)
        {
            // Secured rows are compared with the plaintext embedded row instead (SecurityCost): the mock has no TLS.
            var mock = row.SecurityProtocol != "PLAINTEXT" ? null : MockOf(results, row);
            var ratio = mock is null || mock == row || mock.MessagesPerSecond == 0 ? "" : $"{row.MessagesPerSecond / mock.MessagesPerSecond:0.0}x";
            var cpuRatio = mock is null || mock == row ? "" : Ratio(row.CpuMicrosecondsPerMessage, mock.CpuMicrosecondsPerMessage);
            // For the mock, the benchmark's own code that the runtime compiled while the mock was measured in this process.
            var compiled = Invariant($"{row.Measurement.Broker.MethodsCompiled:N0}");
            var allocated = row.AllocatedBytesPerMessage is { } bytes ? Invariant($"{bytes:0.0}") : "n/a (native)";
            var kept = row.RetainedBytesPerMessage is { } keptBytes ? Invariant($"{keptBytes:0.0}") : "n/a";
            var result = row.Measurement.Result;
            var scenario = repeated ? $"{row.Scenario}, run {row.Run}" : row.Scenario;
            text.AppendLine(Invariant($"| {scenario} | {row.Target} | {result.Messages:N0} | {result.Seconds:0.00} | {row.MessagesPerSecond:N0} | {row.MegabytesPerSecond:0.0} | {ratio} | {allocated} | {kept} | {row.FaultedBytesPerMessage:0.0} | {row.CpuMicrosecondsPerMessage:0.000} | {cpuRatio} | {compiled} | {row.ClientCpuMicrosecondsPerMessage:0.00} | {row.Note} |"));
        }
        return text.ToString();
    }

    /// <summary>The mock's row of the same scenario, broker count and run (null when the run has no mock with as many brokers).</summary>
    private static ScenarioResult? MockOf(IReadOnlyList<ScenarioResult> results, ScenarioResult row) =>
        results.FirstOrDefault(r => r.Scenario == row.Scenario && r.Brokers == row.Brokers && r.Run == row.Run && r.Target.StartsWith(MockPrefix, StringComparison.Ordinal));

    /// <summary>
    /// With <c>--repeats</c>: per scenario and target, the median broker CPU per message over the runs with its range, the
    /// ratio of that median to the mock's median (the figure to read: a single run moves by tens of percent), and the
    /// range of the runs' own ratios to the mock's run of the same round, and a 95% bootstrap interval of the ratio of the
    /// medians (<see cref="BenchmarkMath.RatioOfMediansInterval"/>): where it straddles 1.00x, the runs do not tell the two apart.
    /// </summary>
    public static string Medians(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Target | Runs | Broker CPU µs/msg, median (min-max) | Mock's median | CPU vs mock, of the medians | 95% interval (bootstrap) | Per-run CPU vs mock (min-max) | Broker methods compiled, median |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var group in results.GroupBy(r => (r.Scenario, r.Target)))
        {
            var runs = group.ToList();
            var cpu = BenchmarkMath.Median(runs.Select(r => r.CpuMicrosecondsPerMessage));
            var first = runs[0];
            var mocks = first.SecurityProtocol != "PLAINTEXT" ? [] : runs.Select(r => MockOf(results, r)).OfType<ScenarioResult>().Where(m => m.Target != first.Target).ToList();
            var mockCpu = mocks.Count > 0 ? BenchmarkMath.Median(mocks.Select(m => m.CpuMicrosecondsPerMessage)) : (double?)null;
            var interval = mocks.Count > 0 && mockCpu > 0
                ? BenchmarkMath.RatioOfMediansInterval(runs.Select(r => r.CpuMicrosecondsPerMessage).ToList(), mocks.Select(m => m.CpuMicrosecondsPerMessage).ToList())
                : ((double, double)?)null;
            var perRun = runs.Select(r => (Row: r, Mock: MockOf(results, r))).Where(p => p.Mock is { CpuMicrosecondsPerMessage: > 0 } && p.Mock != p.Row)
                .Select(p => p.Row.CpuMicrosecondsPerMessage / p.Mock!.CpuMicrosecondsPerMessage).Order().ToList();
            var compiled = Invariant($"{BenchmarkMath.Median(runs.Select(r => (double)r.Measurement.Broker.MethodsCompiled)):0}");
            text.AppendLine(Invariant($"| {first.Scenario} | {first.Target} | {runs.Count} | {cpu:0.000} ({runs.Min(r => r.CpuMicrosecondsPerMessage):0.000}-{runs.Max(r => r.CpuMicrosecondsPerMessage):0.000}) | ") +
                (mockCpu is { } m ? Invariant($"{m:0.000} | {Ratio(cpu, m)} | ") : " |  | ") +
                (interval is var (low, high) ? Invariant($"{low:0.00}x-{high:0.00}x | ") : " | ") +
                (perRun.Count > 0 ? Invariant($"{perRun[0]:0.00}x-{perRun[^1]:0.00}x") : "") + $" | {compiled} |");
        }
        return text.ToString();
    }

    /// <summary>
    /// What security costs: each secured row against the plaintext embedded row of the same scenario and broker
    /// count in the same run, throughput and broker CPU per message side by side. With several plaintext runs the
    /// last one counts: the first cluster in a process also pays for first use (JIT, memory new to the process).
    /// </summary>
    public static string SecurityCost(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Brokers | Listener | msg/s | plaintext msg/s | throughput vs plaintext | Broker CPU µs/msg | plaintext µs/msg | broker CPU vs plaintext |");
        text.AppendLine("|---|--:|---|--:|--:|--:|--:|--:|--:|");
        foreach (var row in results.Where(r => r.SecurityProtocol != "PLAINTEXT"))
        {
            var plain = results.LastOrDefault(r => r.Scenario == row.Scenario && r.Brokers == row.Brokers && r.IsManaged && r.SecurityProtocol == "PLAINTEXT");
            if (plain is null) continue;
            text.AppendLine(Invariant($"| {row.Scenario} | {row.Brokers} | {row.SecurityProtocol} | {row.MessagesPerSecond:N0} | {plain.MessagesPerSecond:N0} | {Ratio(row.MessagesPerSecond, plain.MessagesPerSecond)} | {row.CpuMicrosecondsPerMessage:0.000} | {plain.CpuMicrosecondsPerMessage:0.000} | {Ratio(row.CpuMicrosecondsPerMessage, plain.CpuMicrosecondsPerMessage)} |"));
        }
        return text.ToString();
    }

    private static string Ratio(double value, double baseline) => baseline > 0 ? Invariant($"{value / baseline:0.00}x") : "";

    /// <summary>The startup table.</summary>
    public static string Startup(IReadOnlyList<StartupResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| Target | Median ms to first Metadata | Min ms | Max ms | First (cold) run ms | Median ms until started | Runs |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var row in results)
        {
            var warm = row.WarmRunsMs.Count > 0 ? row.WarmRunsMs : [row.FirstRunMs];
            text.AppendLine(Invariant($"| {row.Target} | {row.MedianMs:0.0} | {warm[0]:0.0} | {warm[^1]:0.0} | {row.FirstRunMs:0.0} | {row.MedianStartedMs:0.0} | {row.WarmRunsMs.Count + 1} |"));
        }
        return text.ToString();
    }

    /// <summary>The <c>tributary broker</c> process: startup per run (median, range, first run) and its idle footprint.</summary>
    public static string CliStartup(CliStartupResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"`{result.Command}` in its own process, {result.Runs.Count} runs (the first one, with the files not yet cached, apart):");
        text.AppendLine();
        text.AppendLine("| Measure | Median | Min | Max | First run |");
        text.AppendLine("|---|--:|--:|--:|--:|");
        foreach (var (name, value) in new (string, Func<CliStartupRun, double>)[]
                 {
                     ("ms to the bootstrap line", r => r.LineMs), ("CPU ms to the bootstrap line", r => r.CpuToLineMs), ("ms to first Metadata", r => r.MetadataMs),
                 })
        {
            var warm = (result.Runs.Count > 1 ? result.Runs.Skip(1) : result.Runs).Select(value).Order().ToList();
            text.AppendLine(Invariant($"| {name} | {warm[warm.Count / 2]:0} | {warm[0]:0} | {warm[^1]:0} | {value(result.Runs[0]):0} |"));
        }
        var idle = result.Idle;
        text.AppendLine();
        text.AppendLine(Invariant($"Idle, 10 s after start (no client): {idle.ResidentKb / 1024.0:0.0} MB resident (anonymous {idle.AnonymousKb / 1024.0:0.0}, files {idle.FileKb / 1024.0:0.0}, ") +
            Invariant($"shared {idle.SharedKb / 1024.0:0.0}), {idle.Threads.Count} threads, {idle.IdleCpuMs:0} ms of CPU over the next 10 s."));
        text.AppendLine("Threads: " + string.Join(", ", idle.Threads.GroupBy(t => t).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} x{g.Count()}")));
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
