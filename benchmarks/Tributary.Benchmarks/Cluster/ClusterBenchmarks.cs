using System.Runtime;
using System.Runtime.InteropServices;
using Tributary.Broker;
using Tributary.Broker.Log;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// End-to-end scenarios, side by side in one run: the embedded cluster against librdkafka's mock cluster,
/// driven by the same Confluent.Kafka producer and consumer (see docs/benchmarks.md). Each cluster runs in a server
/// process of its own (<see cref="ServerProcess"/>), or with <c>--server-processes false</c> in this process; each
/// workload runs in a client process; both are this same program.
/// </summary>
internal static class ClusterBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "cluster";

    /// <summary>
    /// Empty topics created and deleted at the end of each target's warm-up: more than the runtime's 30 calls to tier up, as
    /// the calls made within 100 ms of a method's first call are not counted.
    /// </summary>
    private const int WarmupTopics = 40;

    /// <summary>
    /// Warm-up sessions the first target of the process runs beyond <see cref="ClusterBenchmarkOptions.WarmupSessions"/>,
    /// for the benchmark's own code that runs once or twice per client run (starting the client process, reading its
    /// result; in a server process, its commands and measuring window): every target in a server process of its own is
    /// such a first target. With the default sessions it reached the runtime's 30 calls during the first target's measured rounds and
    /// tiered up there: 177 methods compiled during the 1-broker mock's second consume, whose CPU (the mock runs in this
    /// process) went from 0.031 to 0.375 µs per message. The later targets find that code compiled.
    /// </summary>
    private const int FirstTargetExtraSessions = 15;

    /// <summary>
    /// The warm-up sessions' consumers fetch one batch per partition per request (Kafka answers a fetch with at least one whole
    /// batch however small max.partition.fetch.bytes is): 8 fetch responses carrying records per session instead of 1 to 3.
    /// Such a response refers to the stored batches in place and goes out in one gathering send
    /// (<c>FrameWriter.SendAllAsync</c>); a consume of 150,000 messages makes only 4 to 6 of them, the default warm-up 20 to 30
    /// in all, so the gathering send and the runtime's socket code under it tiered up during the measured consume
    /// (docs/benchmarks.md, "Tenth round, second part: what the 1-broker cluster compiled while measured"). The same fetch
    /// and send code as the measured consume, only more calls of it; the sessions take no longer.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> OneBatchPerFetch = new Dictionary<string, string>
    {
        ["max.partition.fetch.bytes"] = "1",
    };

    /// <summary>
    /// The warm-up's large consume reads through a 64 KiB socket receive buffer, so that its multi-MiB fetch responses
    /// (up to 1 MiB per partition) cannot all go into the socket at once: the send completes later, asynchronously. With the
    /// receive buffer the kernel sizes itself that happened 0 to 4 times per large consume, at random, and when the measured
    /// consume was the first, it compiled the async state machines of the frame writer's sends there (about 30 methods).
    /// Here 3 or 4 of the warm-up's 5 to 7 gathering sends complete so.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> SmallReceiveBuffer = new Dictionary<string, string>
    {
        ["socket.receive.buffer.bytes"] = "65536",
    };

    /// <summary>Runs the benchmarks, or (with <c>client &lt;workload&gt;</c>) one client workload.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [ClientProcess.Command, var workload]) return ClientProcess.RunChild(workload);
        if (args is [ServerProcess.Command, .. var server]) return ServerProcess.RunChild(server);

        var options = ClusterBenchmarkOptions.Parse(args);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine(LoadAverage());
        Console.WriteLine(RetentionLine(options));
        Console.WriteLine(options.ServerProcesses
            ? "Servers: each target in a server process of its own, its CPU measured there"
            : "Servers: every target in this process, each one's CPU measured as this process's");

        // Profiling and counting in the process whose allocations and requests they are: a server process does its own.
        using var sampler = options.AllocationProfile && !options.ServerProcesses ? new AllocationSampler() : null;
        using var requests = options.RequestCounts && !options.ServerProcesses ? new RequestCounter() : null;
        var window = new ServerWindow(sampler, requests);
        var startup = options.Scenarios.Contains("startup") ? await StartupBenchmark.RunAsync(options.StartupRuns, cancel.Token) : [];
        var cliStartup = options.Scenarios.Contains("startup") && TributaryCommand(options) is { } tributary
            ? await StartupBenchmark.RunCliAsync(tributary, options.StartupRuns, cancel.Token)
            : null;
        var results = new List<ScenarioResult>();
        // Startup alone starts no target: each would be warmed up for nothing.
        if (options.Scenarios.Any(s => s is "produce" or "consume"))
        {
            if (options.Alternate) results.AddRange(await RunAlternatedAsync(options, window, cancel.Token));
            else
                for (var i = 0; i < options.Targets.Count; i++)
                    results.AddRange(await RunTargetAsync(options.Targets[i], options, window, cancel.Token, first: i == 0 || options.ServerProcesses));
        }

        Console.WriteLine();
        Console.WriteLine(LoadAverage());
        if (results.Count > 0) Console.WriteLine(ResultTable.Throughput(results));
        if (options.Repeats > 1 && results.Count > 0) Console.WriteLine(ResultTable.Medians(results));
        if (results.Any(r => r.SecurityProtocol != "PLAINTEXT")) Console.WriteLine(ResultTable.SecurityCost(results));
        if (startup.Count > 0) Console.WriteLine(ResultTable.Startup(startup));
        if (cliStartup is not null) Console.WriteLine(ResultTable.CliStartup(cliStartup));
        return 0;
    }

    /// <summary>The tributary.dll the startup scenario starts in its own process: the one given, or the repository's Release build if built.</summary>
    private static string? TributaryCommand(ClusterBenchmarkOptions options)
    {
        if (options.Tributary is { } given)
            return File.Exists(given) ? given : throw new ArgumentException($"--tributary {given}: no such file.");
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var built = Path.Combine(directory.FullName, "src", "Tributary.Cli", "bin", "Release", "net10.0", "tributary.dll");
            if (File.Exists(built)) return built;
        }
        Console.WriteLine("No Release build of the tributary command (dotnet build src/Tributary.Cli -c Release): its startup is not measured.");
        return null;
    }

    private static async Task<IReadOnlyList<ScenarioResult>> RunTargetAsync(string name, ClusterBenchmarkOptions options, ServerWindow window,
        CancellationToken cancellationToken, bool first)
    {
        await using var target = await StartAsync(name, options, window, cancellationToken);
        await WarmUpAsync(target, options, cancellationToken, first);
        var results = new List<ScenarioResult>();
        for (var run = 1; run <= options.Repeats; run++) results.AddRange(await RunRoundAsync(target, options, cancellationToken, run));
        return results;
    }

    /// <summary>
    /// With <c>--alternate true</c>: every target started and warmed up first, then each round runs every target in turn, so
    /// that a target's rounds and its mock's are spread over the same minutes of the machine (the mock's own rounds moved
    /// by up to 2x within a run when each target ran all its rounds in one stretch). The targets wait idle meanwhile; the
    /// line printed before the rounds gives what they cost while idle.
    /// </summary>
    private static async Task<IReadOnlyList<ScenarioResult>> RunAlternatedAsync(ClusterBenchmarkOptions options, ServerWindow window,
        CancellationToken cancellationToken)
    {
        var targets = new List<IBenchmarkTarget>();
        try
        {
            for (var i = 0; i < options.Targets.Count; i++)
            {
                targets.Add(await StartAsync(options.Targets[i], options, window, cancellationToken));
                await WarmUpAsync(targets[^1], options, cancellationToken, first: i == 0 || options.ServerProcesses);
            }
            await MeasureIdleAsync(targets, cancellationToken);
            var results = new List<ScenarioResult>();
            for (var run = 1; run <= options.Repeats; run++)
                foreach (var target in targets)
                    results.AddRange(await RunRoundAsync(target, options, cancellationToken, run));
            // The tables group rows by target, as when each target runs alone.
            return results.OrderBy(r => targets.FindIndex(t => t.Name == r.Target)).ThenBy(r => r.Run).ToList();
        }
        finally
        {
            foreach (var target in targets) await target.DisposeAsync();
        }
    }

    /// <summary>How long <see cref="MeasureIdleAsync"/> measures the idle targets' CPU.</summary>
    private static readonly TimeSpan IdleMeasurement = TimeSpan.FromSeconds(5);

    /// <summary>Prints what the started targets cost while idle: each server process's CPU, and this process's.</summary>
    private static async Task MeasureIdleAsync(IReadOnlyList<IBenchmarkTarget> targets, CancellationToken cancellationToken)
    {
        var servers = targets.OfType<ServerProcess>().ToList();
        var before = servers.Select(s => s.Cpu).Append(ProcessCpuClock.Now()).ToList();
        await Task.Delay(IdleMeasurement, cancellationToken);
        var after = servers.Select(s => s.Cpu).Append(ProcessCpuClock.Now()).ToList();
        string PerSecond(int i) => $"{(after[i] - before[i]).TotalMilliseconds / IdleMeasurement.TotalSeconds:0.00}";
        var each = servers.Select((server, i) => $"{server.Name} {PerSecond(i)}");
        Console.WriteLine($"  idle, ms of CPU per second: {string.Join(", ", each.Append($"this process ({targets.Count - servers.Count} targets in it) {PerSecond(servers.Count)}"))}");
    }

    private static async Task WarmUpAsync(IBenchmarkTarget target, ClusterBenchmarkOptions options, CancellationToken cancellationToken, bool first)
    {
        if (options.WarmupMessages <= 0) return;
        await FillThenConsumeAsync(target, "warm-up", options.WarmupMessages, options, cancellationToken, consumerConfig: SmallReceiveBuffer);
        // Code that runs once per client or connection reaches the runtime's 30 calls to tier up only after many clients.
        // Their producers wait for the in-sync replicas (acks=all), so the per-request code of that wait (called once
        // per produce request) tiers up too; the per-connection code is the same for either acks.
        var sessions = options.WarmupSessions + (first && options.WarmupSessions > 0 ? FirstTargetExtraSessions : 0);
        for (var session = 1; session <= sessions; session++)
            await FillThenConsumeAsync(target, $"warm-up session {session}", options.WarmupSessionMessages, options, cancellationToken, fillAcks: "all",
                consumerConfig: OneBatchPerFetch);
        // acks=all takes paths that acks=1 does not (waiting for the in-sync replicas). Its topic deletes segments early on
        // targets bounded as the mock is (--retention mock): no other warm-up topic grows past the bound, so the measured
        // produce acks=1 was the first to delete and compiled the deletion there. It comes after the sessions, when the
        // runtime compiles little new code and so counts more calls (none within 100 ms of a new method's compiling): the
        // measured acks=1 then compiled 16 methods in a listing, 20-30 with this produce before the sessions. The retention
        // check (once per 100 ms while appends arrive) and the deletion's per-partition part still reach 30 calls only there.
        if (options.Scenarios.Contains("produce"))
            await ProduceAsync(target, "warm-up acks=all", "all", options.WarmupMessages / 2, options, cancellationToken, deletesEarly: true);
        await CreateAndDeleteTopicsAsync(target, options, cancellationToken);
        if (options.Scenarios.Contains("consume"))
            await IdleFetchesAsync(target, options, cancellationToken);
        // A server process also waits for its own compiler here.
        await target.WaitForPeriodicWorkAsync(cancellationToken);
        // The mock too: in this process, whatever the runtime compiles of the benchmark's own code counts as its CPU.
        Console.WriteLine($"  compiler settled in this process: {await WaitForCompilerAsync(cancellationToken)}");
    }

    /// <summary>One round of the measured scenarios on <paramref name="target"/>: produce acks=1 and acks=all, then consume, as selected.</summary>
    private static async Task<IReadOnlyList<ScenarioResult>> RunRoundAsync(IBenchmarkTarget target, ClusterBenchmarkOptions options,
        CancellationToken cancellationToken, int run)
    {
        var results = new List<ScenarioResult>();
        if (options.Scenarios.Contains("produce"))
        {
            foreach (var acks in new[] { "1", "all" })
                results.Add(await ProduceAsync(target, $"produce acks={acks}", acks, options.ProduceMessages, options, cancellationToken, run: run, measured: true));
        }
        if (options.Scenarios.Contains("consume"))
            results.Add(await FillThenConsumeAsync(target, "consume from beginning", options.ConsumeMessages, options, cancellationToken, run: run, measured: true));
        return results;
    }

    /// <summary>
    /// Creates and deletes <see cref="WarmupTopics"/> empty topics, as every measured scenario creates (and deletes) its own.
    /// The broker runs its topic creation once per topic, and the warm-up above creates 12 (with the default 10 sessions):
    /// the runtime's 30 calls were reached during the measured scenarios of the second embedded cluster in the process,
    /// whose topic creation then tiered up in the background while its produce was measured (22 methods, docs/benchmarks.md,
    /// "Tenth round: what the 3-broker cluster compiled while measured"). A few milliseconds of the warm-up.
    /// </summary>
    private static async Task CreateAndDeleteTopicsAsync(IBenchmarkTarget target, ClusterBenchmarkOptions options, CancellationToken cancellationToken)
    {
        for (var topic = 1; topic <= WarmupTopics; topic++)
        {
            var name = TopicName($"warm-up topic {topic}", run: 1);
            await target.CreateTopicAsync(name, options.Partitions, cancellationToken);
            if (options.DeleteTopics) await target.DeleteTopicAsync(name, cancellationToken);
        }
    }

    /// <summary>
    /// A consumer that reads a small topic to its end and then fetches on for <see cref="IdleFetching"/>, every fetch waiting
    /// for data until its fetch.wait.max.ms (10 ms) ends it: about 100 waiting fetches. A measured consume ends with 5 to 10
    /// such fetches (librdkafka has read the topic before the application has), the warm-up's consumers with hardly any, so
    /// the broker's waiting path (<c>FetchWaiter</c>, its timer, the fetch handler's asynchronous end) reached the runtime's
    /// 30 calls only while measured and tiered up there: 3 to 31 methods per measured consume of the 1-broker cluster, which
    /// then cost up to twice the mock's CPU (docs/benchmarks.md, "Twelfth round").
    /// </summary>
    private static Task IdleFetchesAsync(IBenchmarkTarget target, ClusterBenchmarkOptions options, CancellationToken cancellationToken) =>
        FillThenConsumeAsync(target, "warm-up idle fetches", 1_000, options, cancellationToken, fetchPastEnd: IdleFetching);

    /// <summary>How long <see cref="IdleFetchesAsync"/> fetches after the last message.</summary>
    private static readonly TimeSpan IdleFetching = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits until the runtime has stopped compiling (no method compiled for a second, at most 30 s): it tiers hot methods
    /// up on a background thread, and on a loaded machine that queue can run for seconds past the warm-up, into the
    /// measured scenarios, where a long-running broker would have finished it long before.
    /// </summary>
    /// <returns>How many methods were compiled meanwhile and how long it took, e.g. "12 more methods compiled in 2.0 s".</returns>
    internal static async Task<string> WaitForCompilerAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var start = System.Runtime.JitInfo.GetCompiledMethodCount();
        var last = start;
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == last) break;
            last = now;
        }
        return $"{last - start:N0} more methods compiled in {clock.Elapsed.TotalSeconds:0.0} s";
    }

    /// <summary>
    /// Writes <paramref name="messages"/> to a new topic (not measured), then measures reading them from the beginning, with
    /// <paramref name="consumerConfig"/> (librdkafka names) added to the consumer's settings if given (warm-ups only). With
    /// <paramref name="fetchPastEnd"/> the consumer asks for one message more than the topic holds, so it fetches at the
    /// topic's end for that long and stops as stalled (warm-ups only).
    /// </summary>
    private static async Task<ScenarioResult> FillThenConsumeAsync(IBenchmarkTarget target, string scenario, long messages,
        ClusterBenchmarkOptions options, CancellationToken cancellationToken, string fillAcks = "1", int run = 1,
        IReadOnlyDictionary<string, string>? consumerConfig = null, TimeSpan? fetchPastEnd = null, bool measured = false)
    {
        var fill = await ProduceAsync(target, $"fill for {scenario}", fillAcks, messages, options, cancellationToken, keepTopic: true, run: run);
        var topic = TopicName(fill.Scenario, run);
        var result = await RunAsync(target, scenario,
            new ClientWorkload(WorkloadKind.Consume, consumerConfig is null ? target.ClientConfig : target.ClientConfig.Concat(consumerConfig).ToDictionary(),
                topic, options.Partitions, fetchPastEnd is null ? messages : messages + 1, Acks: "", fetchPastEnd ?? options.StallTimeout),
            cancellationToken, run, measured ? options.PerfRecordDirectory : null);
        if (options.DeleteTopics) await target.DeleteTopicAsync(topic, cancellationToken);
        return result;
    }

    private static async Task<ScenarioResult> ProduceAsync(IBenchmarkTarget target, string scenario, string acks, long messages,
        ClusterBenchmarkOptions options, CancellationToken cancellationToken, bool keepTopic = false, int run = 1,
        bool deletesEarly = false, bool measured = false)
    {
        var topic = TopicName(scenario, run);
        await target.CreateTopicAsync(topic, options.Partitions, cancellationToken, deletesEarly);
        var result = await RunAsync(target, scenario,
            new ClientWorkload(WorkloadKind.Produce, target.ClientConfig, topic, options.Partitions, messages, acks, options.StallTimeout),
            cancellationToken, run, measured ? options.PerfRecordDirectory : null);
        if (options.DeleteTopics && !keepTopic) await target.DeleteTopicAsync(topic, cancellationToken);
        return result;
    }

    /// <summary>
    /// Runs one client workload against <paramref name="target"/> and prints what it measured; with
    /// <paramref name="perfRecordDirectory"/> (measured scenarios with <c>--perf-record</c>) a server process is recorded meanwhile.
    /// </summary>
    private static async Task<ScenarioResult> RunAsync(IBenchmarkTarget target, string scenario, ClientWorkload workload,
        CancellationToken cancellationToken, int run, string? perfRecordDirectory)
    {
        Console.WriteLine($"{target.Name}: {scenario} ({workload.Messages:N0} messages{(run > 1 ? $", run {run}" : "")})");
        Measurement measurement;
        await using (var recording = perfRecordDirectory is not null && target is ServerProcess server
                         ? await PerfRecording.StartAsync(server.ProcessId, Path.Combine(perfRecordDirectory, PerfFileName(target, scenario, run)), cancellationToken)
                         : null)
            measurement = await ClientProcess.RunAsync(workload, target, cancellationToken);
        var broker = measurement.Broker;
        var reused = target.IsManaged ? $", {broker.ReusedLogBytes / 1e6:0.0} MB of log memory reused" : "";
        foreach (var detail in broker.Details) Console.WriteLine($"    {detail}");
        if (broker.Threads.Count > 0)
            Console.WriteLine($"    the server process's threads: {string.Join(", ", broker.Threads.Take(6).Select(t => $"{t.Name} {t.Cpu.TotalMilliseconds:0.0} ms"))}");
        var row = new ScenarioResult(scenario, target.Name, target.Brokers, target.IsManaged, target.SecurityProtocol, measurement, run);
        Console.WriteLine($"  {row.MessagesPerSecond:N0} msg/s in {measurement.Result.Seconds:0.00} s, broker GC pauses {broker.GcPause.TotalMilliseconds:0} ms " +
            $"({broker.FullCollections} full), " +
            $"{broker.PageFaults * (double)Environment.SystemPageSize / 1e6:0.0} MB faulted in{reused} {row.Note}");
        return row;
    }

    /// <summary>A recording's file name: "embedded-1-broker-consume-from-beginning-3.data" and the like.</summary>
    private static string PerfFileName(IBenchmarkTarget target, string scenario, int run)
    {
        var name = $"{target.Name} {scenario} {run}".ToLowerInvariant();
        return string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Replace("--", "-") + ".data";
    }

    /// <summary>
    /// What the embedded targets keep of each partition's log, and whether a read from the beginning can find every message:
    /// the mock always drops a partition's oldest data past its limit, the embedded targets too with <c>--retention mock</c>.
    /// </summary>
    private static string RetentionLine(ClusterBenchmarkOptions options)
    {
        var kept = MockRetention.MessagesKept(options.Partitions);
        var line = options.Retention == LogRetention.Mock
            ? $"Retention: the embedded targets keep at most {MockRetention.RetentionBytes / 1024 / 1024} MiB per partition (segments of " +
              $"{MockRetention.SegmentBytes / 1024 / 1024} MiB, checked every {MockRetention.CheckInterval.TotalMilliseconds:0} ms), as the mock does"
            : "Retention: the embedded targets keep each partition's whole log; the mock keeps at most 5 MiB per partition";
        var largest = Math.Max(options.ConsumeMessages, options.WarmupMessages);
        return largest <= kept ? line
            : $"{line}. Reads from the beginning of more than about {kept:N0} messages lose the oldest on the mock{(options.Retention == LogRetention.Mock ? " and the embedded targets" : "")} and stall.";
    }

    /// <summary>The machine's load, printed before and after: other work on the machine skews every number.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $"Load average (1, 5, 15 min): {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";

    private static string TopicName(string scenario, int run) => "bench-" + scenario.Replace(' ', '-').Replace('=', '-') + (run > 1 ? $"-run{run}" : "");

    /// <summary>Starts the target of that name in a server process of its own, or in this one, as <paramref name="options"/> say.</summary>
    private static async Task<IBenchmarkTarget> StartAsync(string name, ClusterBenchmarkOptions options, ServerWindow window, CancellationToken cancellationToken) =>
        options.ServerProcesses
            ? await ServerProcess.StartAsync(name, options, cancellationToken)
            : await StartTargetAsync(name, options.Retention, window, cancellationToken);

    /// <summary>
    /// Starts the target of that name (see <see cref="ClusterBenchmarkOptions.Targets"/>) in this process, its costs measured
    /// by <paramref name="window"/>.
    /// </summary>
    internal static async Task<IBenchmarkTarget> StartTargetAsync(string name, LogRetention retention, ServerWindow window, CancellationToken cancellationToken) => name switch
    {
        "mock-1" => await MockClusterTarget.StartAsync(1, window, cancellationToken),
        "mock-3" => await MockClusterTarget.StartAsync(3, window, cancellationToken),
        "embedded-1" => await EmbeddedClusterTarget.StartAsync(1, window, cancellationToken, retention: retention),
        "embedded-3" => await EmbeddedClusterTarget.StartAsync(3, window, cancellationToken, retention: retention),
        "embedded-1-tls" => await EmbeddedClusterTarget.StartAsync(1, window, cancellationToken, KafkaSecurityProtocol.Ssl, retention: retention),
        "embedded-3-tls" => await EmbeddedClusterTarget.StartAsync(3, window, cancellationToken, KafkaSecurityProtocol.Ssl, retention: retention),
        "embedded-1-sasl-ssl" => await EmbeddedClusterTarget.StartAsync(1, window, cancellationToken, KafkaSecurityProtocol.SaslSsl, retention: retention),
        "embedded-3-sasl-ssl" => await EmbeddedClusterTarget.StartAsync(3, window, cancellationToken, KafkaSecurityProtocol.SaslSsl, retention: retention),
        // The same three brokers with replication factor 1: against embedded-3, what replication costs the brokers.
        "embedded-3-rf1" => await EmbeddedClusterTarget.StartAsync(3, window, cancellationToken, replicationFactor: 1, retention: retention),
        "embedded-1-disk" => await EmbeddedClusterTarget.StartAsync(1, window, cancellationToken, onDisk: true, retention: retention),
        "embedded-3-disk" => await EmbeddedClusterTarget.StartAsync(3, window, cancellationToken, onDisk: true, retention: retention),
        _ => throw new ArgumentException($"Unknown target {name}: use mock-1, mock-3, embedded-1, embedded-3, embedded-1/3 with -tls, -sasl-ssl or -disk, or embedded-3-rf1."),
    };
}
