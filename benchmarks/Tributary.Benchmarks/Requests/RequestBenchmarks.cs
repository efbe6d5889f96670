using System.Globalization;
using System.Text;
using Tributary.Benchmarks.Cluster;

namespace Tributary.Benchmarks.Requests;

/// <summary>
/// The broker's CPU per request against librdkafka's mock, one kind of request at a time (docs/benchmarks.md, issue 20,
/// "Eighteenth round"). Each scenario's client process sends the same request over and over, one at a time, at a fixed
/// pace; the two 1-broker clusters (the mock, and the embedded cluster with the mock's retention) each run in a server
/// process of their own (<see cref="ServerProcess"/>), which counts its CPU time from the start of each client's requests
/// to its result line (<see cref="ServerWindow"/>), as the cluster benchmark does. Rounds alternate the targets.
/// </summary>
/// <remarks>
/// The cluster benchmark's Confluent.Kafka clients size their produce requests by how fast the broker answers (from 185 KB
/// to 950 KB in one run of the same scenario), and a request's cost does not grow with its bytes alone, so its rows move
/// by tens of percent between rounds and cannot tell a change of a few percent. Here every round sends the same bytes, and
/// each row says what one kind of request costs: the produce path at three sizes, a fetch of stored batches, a fetch that
/// waits at the end of the log (a consumer that has caught up), a connection.
/// </remarks>
internal static class RequestBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "requests";

    private const string Topic = "requests";
    private const int Partitions = 8;

    /// <summary>
    /// The scenarios, in the order run. The produce rates keep a round's bytes to about 250 MB/s, the cluster benchmark's;
    /// faster, the embedded broker's retention check (every 100 ms) falls behind and its logs take fresh memory. Each
    /// produce request carries one batch per partition: 10 records (about 9 KB a request), 50 (44 KB) or 150 (132 KB, the
    /// size of the 3-broker cluster benchmark's requests), and the largest also four at a time, written together before their
    /// answers are read, as a producer with requests in flight sends them. The fetch reads the last 150 records of each
    /// partition (132 KB).
    /// </summary>
    private static readonly RequestScenario[] Scenarios =
    [
        new("produce 9 KB", RequestKind.Produce, Requests: 10_000, Records: 10, PerSecond: 5_000),
        new("produce 44 KB", RequestKind.Produce, Requests: 10_000, Records: 50, PerSecond: 5_000),
        new("produce 132 KB", RequestKind.Produce, Requests: 4_000, Records: 150, PerSecond: 2_000),
        new("produce 132 KB, 4 sent together", RequestKind.Produce, Requests: 4_000, Records: 150, PerSecond: 2_000, Together: 4),
        new("fetch 132 KB", RequestKind.Fetch, Requests: 4_000, Records: 150),
        new("fetch at the end, 10 ms max wait", RequestKind.IdleFetch, Requests: 200, MaxWaitMs: 10),
        new("connection (connect, ApiVersions, close)", RequestKind.Connection, Requests: 2_000),
    ];

    private static readonly string[] TargetNames = ["mock-1", "embedded-1"];

    /// <summary>
    /// Unmeasured rounds first. The runtime compiles a method again, optimized, after 30 calls, but only once no new method
    /// has been compiled for 100 ms, and each connection runs its setup and teardown once: after one round some of that
    /// code (the connection's own asynchronous methods) could still run unoptimized in the first measured rounds.
    /// </summary>
    private const int WarmupRounds = 2;

    /// <summary>
    /// Runs the benchmark: <c>--rounds N</c> (default 7) alternated rounds of every scenario on each target, after
    /// <see cref="WarmupRounds"/> unmeasured; <c>--only TEXT</c> runs only the scenarios whose name contains TEXT (for example "produce").
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [RequestClient.Command, var workload]) return RequestClient.Run(workload);
        var rounds = BenchmarkMath.Option(args, "--rounds", 7);
        var only = Array.IndexOf(args, "--only") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : "";
        var scenarios = Scenarios.Where(s => s.Name.Contains(only, StringComparison.Ordinal)).ToArray();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.WriteLine(ClusterBenchmarks.LoadAverage());

        var targets = new List<IBenchmarkTarget>();
        try
        {
            foreach (var name in TargetNames)
            {
                var target = await ServerProcess.StartAsync(name, new ClusterBenchmarkOptions { Retention = LogRetention.Mock }, cancel.Token);
                targets.Add(target);
                await target.CreateTopicAsync(Topic, Partitions, cancel.Token);
            }
            var costs = new Dictionary<(string Target, string Scenario), List<double>>();
            for (var round = 1 - WarmupRounds; round <= rounds; round++)
            {
                foreach (var target in targets)
                {
                    foreach (var scenario in scenarios)
                    {
                        var cpu = await RequestClient.RunAsync(Workload(target, scenario), target, cancel.Token);
                        var perRequest = cpu.TotalMicroseconds / scenario.Requests;
                        Console.WriteLine($"{target.Name}, {scenario.Name}, {(round <= 0 ? "warm-up" : $"round {round}")}: {perRequest:F1} µs of CPU a request");
                        if (round <= 0) continue;
                        if (!costs.TryGetValue((target.Name, scenario.Name), out var list)) costs[(target.Name, scenario.Name)] = list = [];
                        list.Add(perRequest);
                    }
                }
            }
            Console.WriteLine();
            Console.WriteLine(ClusterBenchmarks.LoadAverage());
            Console.WriteLine(Table(targets[0].Name, targets[1].Name, scenarios, costs));
        }
        finally
        {
            foreach (var target in targets) await target.DisposeAsync();
        }
        return 0;
    }

    private static RequestWorkload Workload(IBenchmarkTarget target, RequestScenario scenario)
    {
        var bootstrap = target.ClientConfig["bootstrap.servers"].Split(',')[0];
        var colon = bootstrap.LastIndexOf(':');
        return new RequestWorkload(scenario, bootstrap[..colon], int.Parse(bootstrap[(colon + 1)..], CultureInfo.InvariantCulture), Topic, Partitions);
    }

    /// <summary>Per scenario: each target's median µs of CPU a request (range), and the ratio of the medians with its 95% interval.</summary>
    private static string Table(string mock, string embedded, IEnumerable<RequestScenario> scenarios, Dictionary<(string Target, string Scenario), List<double>> costs)
    {
        var table = new StringBuilder();
        table.AppendLine($"| Scenario | {mock}, µs a request | {embedded}, µs a request | {embedded} / {mock} | 95% interval (bootstrap) |");
        table.AppendLine("|---|--:|--:|--:|--:|");
        foreach (var scenario in scenarios)
        {
            var a = costs[(mock, scenario.Name)];
            var b = costs[(embedded, scenario.Name)];
            var (low, high) = BenchmarkMath.RatioOfMediansInterval(b, a);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenario.Name} | {BenchmarkMath.Median(a):F1} ({a.Min():F1}-{a.Max():F1}) | {BenchmarkMath.Median(b):F1} ({b.Min():F1}-{b.Max():F1}) | " +
                $"{BenchmarkMath.Median(b) / BenchmarkMath.Median(a):F2}x | {low:F2}x-{high:F2}x |");
        }
        return table.ToString();
    }
}
