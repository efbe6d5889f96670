using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Akka.Actor;
using Confluent.Kafka;
using Tributary.Broker;
using static Tributary.Benchmarks.BenchmarkMath;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// The connectors against raw Confluent.Kafka loops (issue 5) and exactly-once against at-least-once (issue 6),
/// in one run against one single-broker embedded cluster in this process; see docs/benchmarks.md.
/// </summary>
internal static class StreamsBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "streams";

    private const string Raw = "raw Confluent.Kafka";
    private const string Tributary = "Tributary";
    private const string ExactlyOnce = "Tributary exactly-once";
    private const string PlainConsume = "plain consume";
    private const string BatchedCommit = "consume + batched commit";
    private const string PlainProduce = "plain produce";
    private const string TransformProduce = "consume-transform-produce";
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(60);

    // The names --scenarios takes (comma-separated), for short runs of some scenarios only.
    private static readonly Dictionary<string, string> ScenarioNames = new()
    {
        ["plain-consume"] = PlainConsume,
        ["batched-commit"] = BatchedCommit,
        ["plain-produce"] = PlainProduce,
        ["consume-transform-produce"] = TransformProduce,
    };

    /// <summary>
    /// Runs every scenario <c>--runs</c> times (default 5) with <c>--messages</c> messages (default 1,000,000), then the
    /// latency phase, and prints the tables; <c>--buffer-size</c> and <c>--max-poll-records</c> set the sources' settings.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 1_000_000);
        var runs = Option(args, "--runs", 5);
        var latencyMessages = Option(args, "--latency-messages", 5_000);
        var latencyRate = Option(args, "--latency-rate", 1_000);
        var scenarios = ScenariosOption(args);
        bool Selected(string scenario) => scenarios.Contains(scenario);
        using var cancel = new CancellationTokenSource();
        var token = cancel.Token;
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine($"{messages:N0} messages of {StreamsTopology.ValueSize} bytes per scenario, {runs} runs (interleaved, after one warm-up), " +
            $"{StreamsTopology.Partitions} partitions, 1 embedded broker in this process");

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 1 }, token);
        using var system = ActorSystem.Create("streams-benchmarks", "akka.loglevel = WARNING");
        var topology = new StreamsTopology(cluster.BootstrapServers);
        var pipelines = new TributaryPipelines(system, topology, Option(args, "--buffer-size", 0), Option(args, "--max-poll-records", 0));
        var value = new byte[StreamsTopology.ValueSize];
        var topics = 0;
        async Task<string> NewTopicAsync()
        {
            var name = $"streams-bench-{++topics}";
            await cluster.CreateTopicAsync(name, StreamsTopology.Partitions, 1, cancellationToken: token);
            return name;
        }

        // The consuming scenarios all read one input topic, each in its own group; it is filled once, unmeasured.
        var input = await NewTopicAsync();
        RawLoops.Produce(topology, input, value, new ScenarioClock(messages));
        // Warm up both sides' code paths (JIT, connections) on a smaller run before measuring; PlainSource and
        // Sink.Ignore are used by plain consume only, so it warms up on its own (else its first run measures the JIT).
        await RawLoops.ConsumeTransformProduceAsync(topology, input, await NewTopicAsync(), new ScenarioClock(messages / 10), token);
        if (Selected(PlainConsume))
            await pipelines.ConsumeAsync(input, new ScenarioClock(messages / 10));
        if (Selected(TransformProduce))
        {
            await pipelines.ConsumeTransformProduceAsync(input, await NewTopicAsync(), new ScenarioClock(messages / 10));
            await pipelines.ExactlyOnceAsync(input, await NewTopicAsync(), new ScenarioClock(messages / 10));
        }

        var results = new List<ScenarioResult>();
        var currentRun = 0;
        async Task MeasureAsync(string scenario, string side, Func<ScenarioClock, Task> run)
        {
            if (!Selected(scenario))
                return;
            var clock = new ScenarioClock(messages);
            try
            {
                await run(clock).WaitAsync(ScenarioTimeout, token);
                results.Add(clock.Stop(scenario, side) with { Run = currentRun });
            }
            catch (TimeoutException)
            {
                // A stuck run is left behind and reported; the other runs and scenarios still give figures.
                Console.WriteLine($"  {scenario}, {side}: STUCK, no progress to completion within {ScenarioTimeout.TotalSeconds:0} s; run left out");
            }
        }

        var produceTopic = await NewTopicAsync();
        var rawOutput = await NewTopicAsync();
        var atLeastOnceOutput = await NewTopicAsync();
        var exactlyOnceOutput = await NewTopicAsync();
        // The scenarios interleave within each run, so that machine noise spreads over both sides.
        for (currentRun = 0; currentRun < runs; currentRun++)
        {
            await MeasureAsync(PlainConsume, Raw, clock => RawLoops.ConsumeAsync(topology, input, clock, token));
            await MeasureAsync(PlainConsume, Tributary, clock => pipelines.ConsumeAsync(input, clock));
            await MeasureAsync(BatchedCommit, Raw, clock => RawLoops.ConsumeAndCommitAsync(topology, input, clock, token));
            await MeasureAsync(BatchedCommit, Tributary, clock => pipelines.ConsumeAndCommitAsync(input, clock));
            await MeasureAsync(PlainProduce, Raw, clock => Task.Run(() => RawLoops.Produce(topology, produceTopic, value, clock), token));
            await MeasureAsync(PlainProduce, Tributary, clock => pipelines.ProduceAsync(produceTopic, value, clock));
            await MeasureAsync(TransformProduce, Raw, clock => RawLoops.ConsumeTransformProduceAsync(topology, input, rawOutput, clock, token));
            await MeasureAsync(TransformProduce, Tributary, clock => pipelines.ConsumeTransformProduceAsync(input, atLeastOnceOutput, clock));
            await MeasureAsync(TransformProduce, ExactlyOnce, clock => pipelines.ExactlyOnceAsync(input, exactlyOnceOutput, clock));
        }

        // The latency phase runs the consume-transform-produce pipelines, so it goes with that scenario.
        var latencies = !Selected(TransformProduce) ? new List<EndToEndLatency.Result>() : new List<EndToEndLatency.Result>
        {
            await EndToEndLatency.MeasureAsync("at-least-once", topology,
                (inputTopic, outputTopic) => pipelines.Run(pipelines.AtLeastOnce(inputTopic, outputTopic, "latency-at-least-once", offset => offset)),
                await NewTopicAsync(), await NewTopicAsync(), latencyMessages, latencyRate, token),
            await EndToEndLatency.MeasureAsync("exactly-once (100 ms commit interval)", topology,
                (inputTopic, outputTopic) => pipelines.Run(pipelines.ExactlyOnce(inputTopic, outputTopic, "latency-exactly-once", envelope => envelope)),
                await NewTopicAsync(), await NewTopicAsync(), latencyMessages, latencyRate, token),
        };

        Console.WriteLine();
        var summaries = ScenarioSummary.Of(results);
        Console.WriteLine(StreamsResultTable.Connectors(summaries, results, Raw, Tributary));
        if (Selected(TransformProduce))
            Console.WriteLine(StreamsResultTable.ExactlyOnce(summaries, latencies, Tributary, ExactlyOnce));
        return 0;
    }

    /// <summary>The scenarios <c>--scenarios</c> names (all four without it).</summary>
    private static HashSet<string> ScenariosOption(string[] args)
    {
        var index = Array.IndexOf(args, "--scenarios");
        if (index < 0 || index + 1 >= args.Length)
            return [.. ScenarioNames.Values];
        return [.. args[index + 1].Split(',').Select(name => ScenarioNames.TryGetValue(name, out var scenario) ? scenario
            : throw new ArgumentException($"Unknown scenario '{name}'; known: {string.Join(", ", ScenarioNames.Keys)}"))];
    }
}
