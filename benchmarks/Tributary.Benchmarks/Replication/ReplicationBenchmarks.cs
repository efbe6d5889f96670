using System.Diagnostics;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Tributary.Broker;
using static Tributary.Benchmarks.BenchmarkMath;

namespace Tributary.Benchmarks.Replication;

/// <summary>
/// What replication costs, side by side in one run on a three-broker embedded cluster: produce throughput and
/// latency with acks=all against acks=1 at replication factor 3, with no replication delay and with a delay on
/// every follower; and the process CPU per message at replication factor 3 against factor 1.
/// </summary>
/// <remarks>
/// The Confluent.Kafka producer runs in the same process as the brokers, so the CPU figures include the client's
/// work, which is the same in every scenario: the difference between scenarios is the broker's.
/// </remarks>
internal static class ReplicationBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "replication";

    private const int Partitions = 4;
    private const int ValueSize = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private sealed record Scenario(string Name, short ReplicationFactor, Acks Acks, TimeSpan Delay);

    private static readonly Scenario[] Scenarios =
    [
        new("RF1, acks=1", 1, Acks.Leader, TimeSpan.Zero),
        new("RF3, acks=1", 3, Acks.Leader, TimeSpan.Zero),
        new("RF3, acks=all", 3, Acks.All, TimeSpan.Zero),
        new("RF3, acks=1, 5 ms delay", 3, Acks.Leader, TimeSpan.FromMilliseconds(5)),
        new("RF3, acks=all, 5 ms delay", 3, Acks.All, TimeSpan.FromMilliseconds(5)),
    ];

    /// <summary>
    /// Runs every scenario <c>--runs</c> times (default 3): <c>--messages</c> (default 200,000) for throughput and
    /// CPU (linger 5 ms), then <c>--latency-messages</c> (default 1,000) sent one at a time with linger 0 for latency; prints a table.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 200_000);
        var latencyMessages = Option(args, "--latency-messages", 1_000);
        var runs = Option(args, "--runs", 3);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"{messages:N0} messages of {ValueSize} bytes per throughput run, {latencyMessages:N0} sent one at a time for latency, " +
                          $"{Partitions} partitions, 3 brokers, {runs} runs per scenario (after one warm-up)");

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        var results = Scenarios.ToDictionary(s => s, _ => new List<Result>());
        foreach (var scenario in Scenarios) await MeasureAsync(cluster, scenario, Math.Min(messages, 10_000), Math.Min(latencyMessages, 100), "warmup");
        for (var run = 0; run < runs; run++)
        {
            foreach (var scenario in Scenarios)
            {
                var result = await MeasureAsync(cluster, scenario, messages, latencyMessages, $"run{run}");
                results[scenario].Add(result);
                Console.WriteLine($"  {scenario.Name}: {result.Rate:N0} msg/s, {result.CpuMicrosPerMessage:0.0} us CPU/msg, p50 {result.P50:0.00} ms, p99 {result.P99:0.00} ms");
            }
        }

        var baselineCpu = Median(results[Scenarios[0]].Select(r => r.CpuMicrosPerMessage));
        Console.WriteLine();
        Console.WriteLine("| Scenario | Median msg/s | Process CPU us/msg | CPU vs RF1 acks=1 | p50 latency ms | p99 latency ms |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|");
        foreach (var (scenario, values) in results)
        {
            var cpu = Median(values.Select(v => v.CpuMicrosPerMessage));
            Console.WriteLine($"| {scenario.Name} | {Median(values.Select(v => v.Rate)):N0} | {cpu:0.0} | {cpu / baselineCpu:0.00} | " +
                              $"{Median(values.Select(v => v.P50)):0.00} | {Median(values.Select(v => v.P99)):0.00} |");
        }
        return 0;
    }

    private readonly record struct Result(double Rate, double CpuMicrosPerMessage, double P50, double P99);

    private static async Task<Result> MeasureAsync(EmbeddedKafkaCluster cluster, Scenario scenario, int messages, int latencyMessages, string run)
    {
        var topic = $"replication-bench-{scenario.ReplicationFactor}-{(int)scenario.Acks}-{(int)scenario.Delay.TotalMilliseconds}-{run}";
        await cluster.CreateTopicAsync(topic, Partitions, scenario.ReplicationFactor);
        foreach (var broker in cluster.Brokers) cluster.SetReplicationDelay(broker.Id, scenario.Delay);
        try
        {
            var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = scenario.Acks, LingerMs = 5 };
            using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
            var value = new byte[ValueSize];
            producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = value }).Wait(Timeout);

            var failures = 0;
            void OnDelivery(DeliveryReport<Null, byte[]> report)
            {
                if (report.Error.IsError) Interlocked.Increment(ref failures);
            }
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<Null, byte[]> { Value = value }, OnDelivery);
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }
            if (producer.Flush(Timeout) != 0 || failures != 0) throw new InvalidOperationException($"{scenario.Name}: {failures} deliveries failed.");
            var elapsed = clock.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

            // Latency of one message at a time, without lingering: what the broker and its followers add.
            using var single = new ProducerBuilder<Null, byte[]>(new ProducerConfig(config) { LingerMs = 0 }).Build();
            await single.ProduceAsync(topic, new Message<Null, byte[]> { Value = value });
            var latencies = new double[latencyMessages];
            for (var i = 0; i < latencyMessages; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                await single.ProduceAsync(topic, new Message<Null, byte[]> { Value = value });
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
            Array.Sort(latencies);
            return new Result(messages / elapsed.TotalSeconds, cpu.TotalMicroseconds / messages,
                latencies[latencyMessages / 2], latencies[Math.Min(latencyMessages - 1, (int)(latencyMessages * 0.99))]);
        }
        finally
        {
            foreach (var broker in cluster.Brokers) cluster.SetReplicationDelay(broker.Id, TimeSpan.Zero);
            await cluster.DeleteTopicAsync(topic);
        }
    }


}
