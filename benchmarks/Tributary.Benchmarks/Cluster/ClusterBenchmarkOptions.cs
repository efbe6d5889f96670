namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// The knobs of the cluster benchmarks, from arguments such as <c>--produce-messages 2000000</c>.
/// The defaults are the issue's: 100-byte messages, 8 partitions, 5 million consumed.
/// </summary>
internal sealed record ClusterBenchmarkOptions
{
    /// <summary>
    /// Target names: "mock-1" and "mock-3" (librdkafka's mock with 1 or 3 brokers), "embedded-1", "embedded-3", and
    /// these on a secured listener: "embedded-1-tls", "embedded-3-tls" (SSL), "embedded-1-sasl-ssl", "embedded-3-sasl-ssl"
    /// (SASL_SSL with SCRAM-SHA-512), each compared with the plaintext embedded cluster of as many brokers in the same run;
    /// each plaintext embedded cluster is compared with the mock of as many brokers, run just before it. "embedded-3-rf1"
    /// is embedded-3 with replication factor 1: the two side by side give what replication costs the brokers.
    /// "embedded-1-disk" and "embedded-3-disk" keep their logs in a temporary data directory (segment files).
    /// </summary>
    public IReadOnlyList<string> Targets { get; init; } = ["mock-1", "embedded-1", "mock-3", "embedded-3"];

    /// <summary>Scenarios to run: "startup", "produce", "consume".</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = ["startup", "produce", "consume"];

    /// <summary>Partitions of every benchmark topic.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>Messages per produce run (one run with acks=1, one with acks=all).</summary>
    public long ProduceMessages { get; init; } = 2_000_000;

    /// <summary>Messages written first and then consumed from the beginning.</summary>
    public long ConsumeMessages { get; init; } = 5_000_000;

    /// <summary>Messages produced and consumed on each target before measuring, so the broker's code is compiled and tiered up.</summary>
    public long WarmupMessages { get; init; } = 500_000;

    /// <summary>
    /// Short client sessions at the end of each target's warm-up, each a producer filling a new topic with
    /// <see cref="WarmupSessionMessages"/> (acks=all, so the wait for the in-sync replicas tiers up as well) and a consumer
    /// reading it from the beginning, as the consume scenario does. The
    /// broker runs some code once per client or per connection (accepting it, ApiVersions, Metadata, ListOffsets,
    /// FindCoordinator, closing it); the runtime tiers a method up only after 30 calls, so without these sessions that code
    /// was still being compiled during the measured scenarios, a cost a long-running broker no longer pays.
    /// </summary>
    public int WarmupSessions { get; init; } = 10;

    /// <summary>Messages each warm-up session produces and consumes (<see cref="WarmupSessions"/>).</summary>
    public long WarmupSessionMessages { get; init; } = 10_000;

    /// <summary>
    /// How many times each target runs its measured scenarios (after one warm-up), in rounds: with more than one, the
    /// results end with a table of medians, since a single run of a scenario that costs the broker 20-300 ms of CPU moves
    /// by tens of percent on this shared 2-core machine (the mock's as much as the embedded broker's).
    /// </summary>
    public int Repeats { get; init; } = 1;

    /// <summary>How long a consumer may go without a message before it counts as stalled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Startups measured per target (the first one, cold, is reported apart).</summary>
    public int StartupRuns { get; init; } = 11;

    /// <summary>
    /// The <c>tributary</c> command the startup scenario also starts in its own process (its tributary.dll): by default the
    /// repository's Release build, src/Tributary.Cli/bin/Release/net10.0/tributary.dll, when it is there.
    /// </summary>
    public string? Tributary { get; init; }

    /// <summary>
    /// Whether each scenario deletes its topic once measured (the warm-up's too), as a test suite cleans up after a test:
    /// the embedded broker's next log then reuses that memory instead of faulting in fresh pages (see docs/benchmarks.md,
    /// "Broker CPU per message against the mock"). The mock's topics are deleted too.
    /// </summary>
    public bool DeleteTopics { get; init; } = true;

    /// <summary>
    /// How much of each partition's log the embedded targets keep: the whole log (the default), or at most the mock's
    /// 5 MiB (<see cref="MockRetention"/>), so that both sides write into memory they freed before. The mock's targets
    /// always keep their own limit.
    /// </summary>
    public LogRetention Retention { get; init; } = LogRetention.Whole;

    /// <summary>Whether to print the types the broker allocated most in each scenario (sampled; adds a little allocation itself).</summary>
    public bool AllocationProfile { get; init; }

    /// <summary>Whether to print the requests the embedded brokers answered in each scenario, per API (turns the broker's request metric on).</summary>
    public bool RequestCounts { get; init; }

    /// <summary>
    /// Whether to start and warm up every target first and then run the rounds target after target within each round
    /// (<c>--alternate true</c>), instead of all of one target's rounds before the next target starts (the default, as
    /// in the earlier rounds of docs/benchmarks.md).
    /// </summary>
    public bool Alternate { get; init; }

    /// <summary>
    /// Whether each target runs in a server process of its own (<see cref="ServerProcess"/>; the default, as the issue asks),
    /// or all in the benchmark's process (<c>--server-processes false</c>, as in the rounds of docs/benchmarks.md before the
    /// twenty-third), where a target's CPU also holds the benchmark's own work during its scenarios and the other targets'
    /// idle work.
    /// </summary>
    public bool ServerProcesses { get; init; } = true;

    /// <summary>
    /// Where to write a <c>perf record</c> of each server process over each measured scenario (<c>--perf-record DIR</c>; server
    /// processes only, see <see cref="PerfRecording"/>), one file per target, scenario and round; none by default.
    /// </summary>
    public string? PerfRecordDirectory { get; init; }

    /// <summary>The name of <see cref="Retention"/> on the command line: whole or mock.</summary>
    public string RetentionName => Retention == LogRetention.Mock ? "mock" : "whole";

    /// <summary>Reads <c>--name value</c> pairs; lists are comma-separated.</summary>
    /// <exception cref="ArgumentException">An unknown option or a missing value.</exception>
    public static ClusterBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ClusterBenchmarkOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"Option {args[i]} needs a value.");
            var value = args[i + 1];
            options = args[i] switch
            {
                "--targets" => options with { Targets = value.Split(',') },
                "--scenarios" => options with { Scenarios = value.Split(',') },
                "--partitions" => options with { Partitions = int.Parse(value) },
                "--produce-messages" => options with { ProduceMessages = long.Parse(value) },
                "--consume-messages" => options with { ConsumeMessages = long.Parse(value) },
                "--warmup-messages" => options with { WarmupMessages = long.Parse(value) },
                "--warmup-sessions" => options with { WarmupSessions = int.Parse(value) },
                "--repeats" => options with { Repeats = int.Parse(value) >= 1 ? int.Parse(value) : throw new ArgumentException("--repeats must be at least 1.") },
                "--stall-seconds" => options with { StallTimeout = TimeSpan.FromSeconds(double.Parse(value)) },
                "--startup-runs" => options with { StartupRuns = int.Parse(value) },
                "--allocation-profile" => options with { AllocationProfile = bool.Parse(value) },
                "--request-counts" => options with { RequestCounts = bool.Parse(value) },
                "--alternate" => options with { Alternate = bool.Parse(value) },
                "--delete-topics" => options with { DeleteTopics = bool.Parse(value) },
                "--retention" => options with { Retention = ParseRetention(value) },
                "--tributary" => options with { Tributary = Path.GetFullPath(value) },
                "--server-processes" => options with { ServerProcesses = bool.Parse(value) },
                "--perf-record" => options with { PerfRecordDirectory = Path.GetFullPath(value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --targets, --scenarios, --partitions, " +
                    "--produce-messages, --consume-messages, --warmup-messages, --warmup-sessions, --repeats, --stall-seconds, --startup-runs, --allocation-profile, --request-counts, " +
                    "--alternate, --delete-topics, --retention, --tributary, --server-processes, --perf-record."),
            };
        }
        return options;
    }

    /// <summary>Reads a <see cref="Retention"/> given as <see cref="RetentionName"/>.</summary>
    internal static LogRetention ParseRetention(string value) => value switch
    {
        "whole" => LogRetention.Whole,
        "mock" => LogRetention.Mock,
        _ => throw new ArgumentException($"Unknown retention {value}: use whole (each partition keeps its whole log) or mock (at most the mock's 5 MiB)."),
    };
}
