using System.Diagnostics;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Tributary.Broker;
using static Tributary.Benchmarks.BenchmarkMath;

namespace Tributary.Benchmarks.Transactions;

/// <summary>
/// Transactional produce throughput against idempotent (non-transactional) produce, side by side in one run:
/// one Confluent.Kafka producer writes the same messages to the embedded cluster, either plainly with
/// idempotence or in transactions of 100 or 1000 messages, each committed before the next begins.
/// </summary>
internal static class TransactionBenchmarks
{
    /// <summary>The first program argument that selects these benchmarks.</summary>
    public const string Command = "txn";

    private const int Partitions = 4;
    private const int ValueSize = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed record Scenario(string Name, int? MessagesPerTransaction);

    private static readonly Scenario[] Scenarios =
    [
        new("idempotent, no transactions", null),
        new("transactions of 100 messages", 100),
        new("transactions of 1000 messages", 1000),
    ];

    /// <summary>Runs every scenario <c>--runs</c> times (default 3) with <c>--messages</c> messages each (default 100,000) and prints a table.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 100_000);
        var runs = Option(args, "--runs", 3);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"{messages:N0} messages of {ValueSize} bytes per run, {Partitions} partitions, 3 brokers, acks=all, {runs} runs per scenario (after one warm-up)");

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        var rates = Scenarios.ToDictionary(s => s, _ => new List<double>());
        // Warm up every path once, then interleave the scenarios so that machine noise spreads over all of them.
        foreach (var scenario in Scenarios) await MeasureAsync(cluster, scenario, Math.Min(messages, 10_000), "warmup");
        for (var run = 0; run < runs; run++)
        {
            foreach (var scenario in Scenarios)
            {
                var rate = await MeasureAsync(cluster, scenario, messages, $"run{run}");
                rates[scenario].Add(rate);
                Console.WriteLine($"  {scenario.Name}: {rate:N0} msg/s");
            }
        }

        var baseline = Median(rates[Scenarios[0]]);
        Console.WriteLine();
        Console.WriteLine("| Scenario | Median msg/s | Min msg/s | Max msg/s | Ratio to idempotent |");
        Console.WriteLine("|---|--:|--:|--:|--:|");
        foreach (var (scenario, values) in rates)
            Console.WriteLine($"| {scenario.Name} | {Median(values):N0} | {values.Min():N0} | {values.Max():N0} | {Median(values) / baseline:0.00} |");
        return 0;
    }

    private static async Task<double> MeasureAsync(EmbeddedKafkaCluster cluster, Scenario scenario, int messages, string run)
    {
        var topic = $"txn-bench-{scenario.MessagesPerTransaction ?? 0}-{run}";
        await cluster.CreateTopicAsync(topic, Partitions, replicationFactor: 3);
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            TransactionalId = scenario.MessagesPerTransaction is null ? null : $"{topic}-producer",
        };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        if (scenario.MessagesPerTransaction is not null) producer.InitTransactions(Timeout);
        var value = new byte[ValueSize];
        var failures = 0;
        void OnDelivery(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError) Interlocked.Increment(ref failures);
        }

        var clock = Stopwatch.StartNew();
        var perTransaction = scenario.MessagesPerTransaction ?? messages;
        for (var sent = 0; sent < messages; sent += perTransaction)
        {
            if (scenario.MessagesPerTransaction is not null) producer.BeginTransaction();
            for (var i = 0; i < perTransaction && sent + i < messages; i++)
                producer.ProduceWaitingForRoom(topic, value, OnDelivery);
            // Committing flushes the transaction's messages first, as a plain flush does for the idempotent run.
            if (scenario.MessagesPerTransaction is not null) producer.CommitTransaction(Timeout);
            else producer.Flush(Timeout);
        }
        clock.Stop();
        if (failures > 0) throw new InvalidOperationException($"{scenario.Name}: {failures} messages were not delivered.");
        return messages / clock.Elapsed.TotalSeconds;
    }


}
