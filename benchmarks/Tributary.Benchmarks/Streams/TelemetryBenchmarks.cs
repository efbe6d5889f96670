using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime;
using System.Runtime.InteropServices;
using Akka.Actor;
using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Streams.Helpers;
using static Tributary.Benchmarks.BenchmarkMath;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// The connector scenarios with the connectors' tracing and metrics observed (an <see cref="ActivityListener"/> that
/// samples every span with all its data, a <see cref="MeterListener"/> that receives every measurement) against
/// unobserved, interleaved in one run against one single-broker embedded cluster in its own process (or in this one);
/// see docs/benchmarks.md.
/// </summary>
internal static class TelemetryBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "telemetry";

    private const string Off = "telemetry off";
    private const string On = "telemetry on";
    // With --split: only the traces observed, or only the metrics, to tell their costs apart; and nothing observed but
    // plain produce's records carrying a fixed traceparent header, to tell the header's cost from the span's.
    private const string TracesOnly = "traces only";
    private const string MetricsOnly = "metrics only";
    private const string HeaderOnly = "header only";
    // With --split or --raw: plain produce by Confluent.Kafka alone (RawLoops), without headers and with a new 55-byte
    // traceparent header per record, to measure what the header costs without any Tributary code.
    private const string Raw = "raw Confluent.Kafka";
    private const string RawHeader = "raw + traceparent";
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs every scenario on both sides <c>--runs</c> times (default 3) with <c>--messages</c> messages (default 300,000) and
    /// prints the tables. The broker runs in a child process unless <c>--in-process-broker</c> is given.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [BrokerProcess.Command])
            return await BrokerProcess.RunChildAsync();
        var messages = Option(args, "--messages", 300_000);
        var runs = Option(args, "--runs", 3);
        var inProcessBroker = args.Contains("--in-process-broker");
        var split = args.Contains("--split");
        string[] sides = [Off, On, .. split ? new[] { TracesOnly, MetricsOnly, HeaderOnly } : [], .. split || args.Contains("--raw") ? new[] { Raw, RawHeader } : []];
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine($"{messages:N0} messages of {StreamsTopology.ValueSize} bytes per scenario, {runs} runs (interleaved, after one warm-up), " +
            $"1 embedded broker {(inProcessBroker ? "in this process" : "in its own process")}");

        // The broker in its own process by default: this process's CPU is then the connectors' and Confluent.Kafka's only,
        // which is what telemetry can cost; in this process, the broker's work on the larger records (the traceparent
        // header) would be counted as the connectors'.
        await using var inProcess = inProcessBroker ? await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 1 }) : null;
        await using var ownProcess = inProcessBroker ? null : await BrokerProcess.StartAsync(Command);
        Func<TimeSpan>? brokerCpu = ownProcess is null ? null : () => ownProcess.Cpu;
        using var system = ActorSystem.Create("telemetry-benchmarks", "akka.loglevel = WARNING");
        var topology = new StreamsTopology(inProcess?.BootstrapServers ?? ownProcess!.BootstrapServers);
        var pipelines = new TributaryPipelines(system, topology);
        // The raw producer's reports leave the headers out, as the producer stages' do (DeliveryReportHeaders): the raw
        // sides then pay for the header what the stages pay, on its way in only.
        var rawConfig = topology.ProducerConfig();
        rawConfig.DeliveryReportFields = "key,value,timestamp,status";
        var value = new byte[StreamsTopology.ValueSize];
        var topics = 0;
        async Task<string> NewTopicAsync()
        {
            var name = $"telemetry-bench-{++topics}";
            if (inProcess is not null)
                await inProcess.CreateTopicAsync(name, StreamsTopology.Partitions, 1);
            else
                await ownProcess!.CreateTopicAsync(name, StreamsTopology.Partitions);
            return name;
        }

        var input = await NewTopicAsync();
        await pipelines.ProduceAsync(input, value, new ScenarioClock(messages));
        using (Observe())
            await pipelines.ConsumeTransformProduceAsync(input, await NewTopicAsync(), new ScenarioClock(messages / 10));

        var results = new List<ScenarioResult>();
        var produceTopic = await NewTopicAsync();
        var output = await NewTopicAsync();
        for (var run = 0; run < runs; run++)
        {
            async Task MeasureAsync(string side, string scenario, Func<ScenarioClock, Task> scenarioRun)
            {
                var clock = new ScenarioClock(messages, brokerCpu);
                await scenarioRun(clock).WaitAsync(ScenarioTimeout);
                results.Add(clock.Stop(scenario, side) with { Run = run });
            }
            foreach (var side in sides)
            {
                if (side is Raw or RawHeader)
                {
                    // A new Headers per record, as a user adding a traceparent to each record would write it.
                    Func<Headers>? headers = side == RawHeader ? FixedTraceParent : null;
                    await MeasureAsync(side, "plain produce", clock => Task.Run(() => RawLoops.Produce(topology, produceTopic, value, clock, headers, rawConfig)));
                    continue;
                }
                using var observed = side is Off or HeaderOnly ? null : Observe(traces: side != MetricsOnly, metrics: side != TracesOnly);
                await MeasureAsync(side, "plain consume", clock => pipelines.ConsumeAsync(input, clock));
                await MeasureAsync(side, "consume + batched commit", clock => pipelines.ConsumeAndCommitAsync(input, clock));
                await MeasureAsync(side, "plain produce", clock => pipelines.ProduceAsync(produceTopic, value, clock, side == HeaderOnly ? FixedTraceParent() : null));
                await MeasureAsync(side, "consume-transform-produce", clock => pipelines.ConsumeTransformProduceAsync(input, output, clock));
            }
        }

        Console.WriteLine();
        Console.WriteLine(StreamsResultTable.SideBySide(ScenarioSummary.Of(results), results, Off, On, "off", "on"));
        Console.WriteLine();
        Console.WriteLine(CpuTable(results, sides));
        return 0;
    }

    /// <summary>
    /// For each observed side: CPU per message of off and of the side, and off's divided by the side's per run (median,
    /// min-max), the rate the side would reach against off where the process is CPU-bound, less disturbed by other work
    /// on the machine than the rates. The raw header side is compared with the raw side instead of off.
    /// </summary>
    private static string CpuTable(List<ScenarioResult> results, string[] sides)
    {
        var table = new System.Text.StringBuilder();
        foreach (var side in sides.Skip(1))
            table.AppendLine(CpuTable(results, side == RawHeader ? Raw : Off, side)).AppendLine();
        return table.ToString();
    }

    private static string CpuTable(List<ScenarioResult> results, string baseline, string side)
    {
        var brokerApart = results.Any(r => !double.IsNaN(r.BrokerCpuMicrosecondsPerMessage));
        var table = new System.Text.StringBuilder();
        var label = side == On ? "on" : side;
        var baseLabel = baseline == Off ? "off" : baseline;
        table.Append($"| Scenario | {baseLabel} µs CPU/msg (median) | {label} µs CPU/msg (median) | {baseLabel} / {label} CPU, per run: median (min-max) |");
        table.AppendLine(brokerApart ? $" broker process {baseLabel} µs CPU/msg (median) | broker process {label} µs CPU/msg (median) |" : "");
        table.AppendLine(brokerApart ? "|---|--:|--:|--:|--:|--:|" : "|---|--:|--:|--:|");
        foreach (var scenario in results.Where(r => r.Side == side).Select(r => r.Scenario).Distinct())
        {
            var off = results.Where(r => r.Scenario == scenario && r.Side == baseline).ToList();
            var on = results.Where(r => r.Scenario == scenario && r.Side == side).ToList();
            var ratios = off.Join(on, r => r.Run, r => r.Run, (o, n) => o.CpuMicrosecondsPerMessage / n.CpuMicrosecondsPerMessage).ToList();
            table.Append($"| {scenario} | {Median(off.Select(r => r.CpuMicrosecondsPerMessage)):N2} | {Median(on.Select(r => r.CpuMicrosecondsPerMessage)):N2} | " +
                $"{Median(ratios):0.00}x ({ratios.Min():0.00}-{ratios.Max():0.00}) |");
            table.AppendLine(brokerApart
                ? $" {Median(off.Select(r => r.BrokerCpuMicrosecondsPerMessage)):N2} | {Median(on.Select(r => r.BrokerCpuMicrosecondsPerMessage)):N2} |"
                : "");
        }
        return table.ToString();
    }

    /// <summary>A <c>traceparent</c> header as the producer stages write it (55 bytes), the same value on every record.</summary>
    private static Headers FixedTraceParent() =>
        new() { { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray() } };

    /// <summary>Listens as an OpenTelemetry SDK would, to the traces or the metrics or both, with a recorder that only counts (no export).</summary>
    private static IDisposable Observe(bool traces = true, bool metrics = true)
    {
        long spans = 0, measurements = 0;
        var activities = new ActivityListener
        {
            ShouldListenTo = source => traces && source.Name == TributaryTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref spans),
        };
        ActivitySource.AddActivityListener(activities);
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (metrics && instrument.Meter.Name == TributaryTelemetry.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref measurements));
        meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref measurements));
        meters.Start();
        return new Listeners(activities, meters, () => Console.WriteLine($"  observed {spans:N0} spans and {measurements:N0} measurements"));
    }

    private sealed class Listeners(ActivityListener activities, MeterListener meters, Action report) : IDisposable
    {
        public void Dispose()
        {
            activities.Dispose();
            meters.Dispose();
            report();
        }
    }
}
