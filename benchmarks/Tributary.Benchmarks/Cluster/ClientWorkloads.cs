using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// The Confluent.Kafka producer and consumer code that runs against every target, unchanged. It runs in a
/// child process so that the broker's process sees only the broker's work (allocations, CPU).
/// </summary>
internal static class ClientWorkloads
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="workload"/> and reports what it measured.</summary>
    public static WorkloadResult Run(ClientWorkload workload) => workload.Kind switch
    {
        WorkloadKind.Produce => Produce(workload),
        WorkloadKind.Consume => Consume(workload),
        _ => throw new ArgumentOutOfRangeException(nameof(workload), workload.Kind, "Unknown workload."),
    };

    /// <summary>
    /// A tuned producer: batches of up to 1 MB lingering 5 ms, messages spread evenly over the partitions, no
    /// per-message delivery callback (the callback into .NET costs the client more than the broker's whole work
    /// per message). Flush waits until every message is acknowledged; the partitions' end offsets then prove
    /// that all of them were stored.
    /// </summary>
    private static WorkloadResult Produce(ClientWorkload workload)
    {
        var config = new ProducerConfig(workload.ClientConfig.ToDictionary())
        {
            Acks = workload.Acks == "all" ? Acks.All : Acks.Leader,
            EnableIdempotence = false,
            LingerMs = 5,
            BatchSize = 1_000_000,
            BatchNumMessages = 100_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1024 * 1024,
            EnableDeliveryReports = false,
            StatisticsIntervalMs = ClientStatistics.IntervalMs,
        };
        var partitions = Enumerable.Range(0, workload.Partitions).Select(p => new TopicPartition(workload.Topic, p)).ToArray();
        var message = new Message<Null, byte[]> { Value = new byte[ClientWorkload.MessageSize] };
        Random.Shared.NextBytes(message.Value);

        var statistics = new ClientStatistics();
        using var producer = new ProducerBuilder<Null, byte[]>(config).SetStatisticsHandler((_, json) => statistics.OnStatistics(json)).Build();
        var cpuBefore = ProcessCpuClock.Now();
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < workload.Messages; i++)
        {
            var partition = partitions[i % partitions.Length];
            while (!TryProduce(producer, partition, message)) producer.Poll(TimeSpan.FromMilliseconds(1));
        }
        var unacknowledged = producer.Flush(FlushTimeout);
        clock.Stop();
        var cpu = ProcessCpuClock.Now() - cpuBefore;
        var stored = StoredMessages(workload);
        Console.WriteLine(statistics.Summary());
        return new WorkloadResult(stored, clock.Elapsed.TotalSeconds, Errors: workload.Messages - stored, Stalled: unacknowledged > 0, cpu.TotalSeconds);
    }

    private static bool TryProduce(IProducer<Null, byte[]> producer, TopicPartition partition, Message<Null, byte[]> message)
    {
        try
        {
            producer.Produce(partition, message);
            return true;
        }
        catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
    }

    /// <summary>The sum of the partitions' end offsets: every message the cluster stored in the (new) topic.</summary>
    private static long StoredMessages(ClientWorkload workload)
    {
        var config = new ConsumerConfig(workload.ClientConfig.ToDictionary()) { GroupId = "benchmark-check" };
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        return Enumerable.Range(0, workload.Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(workload.Topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>
    /// Reads every partition from the beginning (plain assignment, no group) until the count is reached or no
    /// message came for the stall timeout. Values are delivered as byte arrays, as a real consumer would read them.
    /// </summary>
    private static WorkloadResult Consume(ClientWorkload workload)
    {
        var config = new ConsumerConfig(workload.ClientConfig.ToDictionary())
        {
            GroupId = "benchmark-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // The mock answers a fetch only after fetch.wait.max.ms; a short wait keeps the comparison fair to it.
            FetchWaitMaxMs = 10,
            // By default a consumer whose local queue is full stops fetching for a whole second, which makes a
            // from-the-beginning read alternate between draining and idling; check the queue again soon instead.
            FetchQueueBackoffMs = 10,
            StatisticsIntervalMs = ClientStatistics.IntervalMs,
        };
        var statistics = new ClientStatistics();
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetStatisticsHandler((_, json) => statistics.OnStatistics(json)).Build();
        var cpuBefore = ProcessCpuClock.Now();
        var clock = Stopwatch.StartNew();
        consumer.Assign(Enumerable.Range(0, workload.Partitions).Select(p => new TopicPartitionOffset(workload.Topic, p, Offset.Beginning)));
        long consumed = 0, errors = 0;
        var lastMessageAt = TimeSpan.Zero;
        var stalled = false;
        while (consumed < workload.Messages)
        {
            var result = TryConsume(consumer, ref errors);
            if (result is null)
            {
                if (clock.Elapsed - lastMessageAt < workload.StallTimeout) continue;
                stalled = true;
                break;
            }
            if (result.Message.Value?.Length != ClientWorkload.MessageSize) errors++;
            consumed++;
            lastMessageAt = clock.Elapsed;
        }
        var cpu = ProcessCpuClock.Now() - cpuBefore;
        Console.WriteLine(statistics.Summary());
        consumer.Close();
        return new WorkloadResult(consumed, lastMessageAt.TotalSeconds, errors, stalled, cpu.TotalSeconds);
    }


    /// <summary>The next message, or null after a poll that brought none or an error (counted).</summary>
    private static ConsumeResult<Ignore, byte[]>? TryConsume(IConsumer<Ignore, byte[]> consumer, ref long errors)
    {
        try
        {
            return consumer.Consume(TimeSpan.FromMilliseconds(100));
        }
        catch (ConsumeException)
        {
            errors++;
            return null;
        }
    }
}
