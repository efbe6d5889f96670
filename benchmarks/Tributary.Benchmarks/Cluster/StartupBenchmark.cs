using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace Tributary.Benchmarks.Cluster;

/// <summary>Startup times of one target over several runs, in milliseconds.</summary>
/// <param name="Target">The target.</param>
/// <param name="FirstRunMs">The first run (cold: code not yet compiled).</param>
/// <param name="WarmRunsMs">The later runs, sorted.</param>
/// <param name="MedianStartedMs">The median time until the start call returned (listening, before any client), over the later runs.</param>
internal sealed record StartupResult(string Target, double FirstRunMs, IReadOnlyList<double> WarmRunsMs, double MedianStartedMs)
{
    /// <summary>The median of the warm runs.</summary>
    public double MedianMs => WarmRunsMs.Count == 0 ? FirstRunMs : WarmRunsMs[WarmRunsMs.Count / 2];
}

/// <summary>One start of <c>tributary broker</c> in its own process.</summary>
/// <param name="LineMs">From starting the process to its bootstrap line on stdout.</param>
/// <param name="CpuToLineMs">CPU time (user and system) the process had used when the line came.</param>
/// <param name="MetadataMs">From starting the process to a first Metadata answer.</param>
internal sealed record CliStartupRun(double LineMs, double CpuToLineMs, double MetadataMs);

/// <summary>What an idle <c>tributary broker</c> process holds, from /proc, 10 seconds after it started, no client having connected.</summary>
/// <param name="ResidentKb">VmRSS: RssAnon + RssFile + RssShmem.</param>
/// <param name="AnonymousKb">RssAnon: the garbage-collected heap, native heaps, thread stacks.</param>
/// <param name="FileKb">RssFile: mapped files (assemblies, libcoreclr, libclrjit, ICU, libc).</param>
/// <param name="SharedKb">RssShmem: compiled code and stubs, mapped twice (write and execute) through a memfd.</param>
/// <param name="Threads">The name of every thread (comm).</param>
/// <param name="IdleCpuMs">CPU time used over the 10 seconds that followed.</param>
internal sealed record CliIdleFootprint(long ResidentKb, long AnonymousKb, long FileKb, long SharedKb, IReadOnlyList<string> Threads, double IdleCpuMs);

/// <summary>Startups of the <c>tributary</c> command (<paramref name="Command"/>), and its idle footprint.</summary>
internal sealed record CliStartupResult(string Command, IReadOnlyList<CliStartupRun> Runs, CliIdleFootprint Idle);

/// <summary>
/// Time from starting a 3-broker cluster to the first answered Metadata request (AdminClient.GetMetadata),
/// for the embedded cluster and, for comparison, librdkafka's mock. The admin client is created and
/// connects inside the timed span, as a test would do it.
/// </summary>
internal static class StartupBenchmark
{
    private const int Brokers = 3;
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Measures <paramref name="runs"/> startups of each target.</summary>
    public static async Task<IReadOnlyList<StartupResult>> RunAsync(int runs, CancellationToken cancellationToken) =>
    [
        // The mock goes first: its first run also loads librdkafka and compiles the client's code, so the
        // embedded cluster's first run shows only the broker's own cold start.
        await MeasureAsync("librdkafka mock (3 brokers)", async ct => await MockClusterTarget.StartAsync(Brokers, ServerWindow.Plain, ct), runs, cancellationToken),
        await MeasureAsync("embedded (3 brokers)", async ct => await EmbeddedClusterTarget.StartAsync(Brokers, ServerWindow.Plain, ct), runs, cancellationToken),
    ];

    /// <summary>
    /// Starts <c>tributary broker --brokers 3 --port 0</c> (<paramref name="tributaryDll"/>, through <c>dotnet</c>) <paramref name="runs"/>
    /// times, each until a first Metadata answer; then once more, with no client, to read its idle footprint.
    /// </summary>
    public static async Task<CliStartupResult> RunCliAsync(string tributaryDll, int runs, CancellationToken cancellationToken)
    {
        var measured = new List<CliStartupRun>();
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            using var broker = StartBroker(tributaryDll);
            try
            {
                var (lineMs, cpuMs, bootstrap) = await WaitForBootstrapLineAsync(broker, clock, cancellationToken);
                using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
                {
                    var metadata = admin.GetMetadata(MetadataTimeout);
                    if (metadata.Brokers.Count != Brokers)
                        throw new InvalidOperationException($"tributary broker reported {metadata.Brokers.Count} brokers instead of {Brokers}.");
                }
                measured.Add(new CliStartupRun(lineMs, cpuMs, clock.Elapsed.TotalMilliseconds));
            }
            finally
            {
                Stop(broker);
            }
        }

        var idleClock = Stopwatch.StartNew();
        using var idle = StartBroker(tributaryDll);
        try
        {
            await WaitForBootstrapLineAsync(idle, idleClock, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(10) - idleClock.Elapsed, cancellationToken);
            var status = File.ReadAllLines($"/proc/{idle.Id}/status")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1].Trim());
            long Kb(string field) => long.Parse(status[field].Split(' ')[0], CultureInfo.InvariantCulture);
            var threads = Directory.GetDirectories($"/proc/{idle.Id}/task")
                .Select(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'))
                .Order(StringComparer.Ordinal)
                .ToList();
            var cpuBefore = Cpu(idle);
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            var footprint = new CliIdleFootprint(Kb("VmRSS"), Kb("RssAnon"), Kb("RssFile"), Kb("RssShmem"), threads, (Cpu(idle) - cpuBefore).TotalMilliseconds);
            return new CliStartupResult("tributary broker --brokers 3 --port 0", measured, footprint);
        }
        finally
        {
            Stop(idle);
        }
    }

    private static Process StartBroker(string tributaryDll)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { tributaryDll, "broker", "--brokers", Brokers.ToString(CultureInfo.InvariantCulture), "--port", "0" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tributaryDll}.");
        _ = process.StandardError.ReadToEndAsync(); // its log lines: read so a full pipe never blocks it
        return process;
    }

    private static async Task<(double LineMs, double CpuMs, string Bootstrap)> WaitForBootstrapLineAsync(Process broker, Stopwatch clock, CancellationToken cancellationToken)
    {
        var line = await broker.StandardOutput.ReadLineAsync(cancellationToken)
            ?? throw new InvalidOperationException($"tributary broker ended without a bootstrap line (exit code {broker.ExitCode}).");
        var lineMs = clock.Elapsed.TotalMilliseconds;
        return (lineMs, Cpu(broker).TotalMilliseconds, line);
    }

    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private static void Stop(Process broker)
    {
        broker.Kill();
        broker.WaitForExit();
    }

    private static async Task<StartupResult> MeasureAsync(string name, Func<CancellationToken, Task<IBenchmarkTarget>> start, int runs, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var started = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var target = await start(cancellationToken);
            started.Add(clock.Elapsed.TotalMilliseconds);
            using (var admin = new AdminClientBuilder(new AdminClientConfig(target.ClientConfig.ToDictionary())).Build())
            {
                var metadata = admin.GetMetadata(MetadataTimeout);
                clock.Stop();
                if (metadata.Brokers.Count != Brokers)
                    throw new InvalidOperationException($"{name} reported {metadata.Brokers.Count} brokers instead of {Brokers}.");
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var warmStarts = started.Skip(1).Order().ToList();
        return new StartupResult(name, times[0], times.Skip(1).Order().ToList(), warmStarts.Count == 0 ? started[0] : warmStarts[warmStarts.Count / 2]);
    }
}
