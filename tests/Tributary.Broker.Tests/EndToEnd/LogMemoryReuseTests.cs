using Confluent.Kafka;
using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Under retention the brokers write new segments into the memory of deleted ones (<see cref="LogChunkPool"/>) while
/// clients we did not write read the same partitions: every record a consumer gets is the one produced at its offset,
/// its batch's CRC checked by librdkafka, on three replicas sharing their leader's batches. (A fetch overlapping the
/// reuse of its memory is a window of microseconds that this test is unlikely to hit; the rules that close it are proven
/// one by one in LogChunkPoolTests.)
/// </summary>
/// <remarks>
/// The cluster has a pool of its own: the process's shared pool is also filled, emptied and trimmed by the tests running
/// beside this one. And the records are produced in two halves, the second once retention has given the first half's
/// deleted segments back to the pool: a segment's memory comes back only when every replica has deleted it and no fetch
/// holds it, which under load came after the last segment was written (a full run of the project once ended with
/// 2 segments' memory reused and 42 segments' worth left in the pool).
/// </remarks>
public sealed class LogMemoryReuseTests
{
    private const string Topic = "recycled";
    private const int Messages = 40_000;
    private const int ValueSize = 300;

    [Fact]
    public async Task Consumers_reading_while_retention_recycles_the_log_memory_get_every_record_intact()
    {
        var pool = new LogChunkPool();
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            RetentionCheckInterval = TimeSpan.FromMilliseconds(100),
            ChunkPool = pool,
        });
        await cluster.CreateTopicAsync(Topic, partitions: 2, replicationFactor: 3, new Dictionary<string, string>
        {
            ["retention.bytes"] = (2 * LogChunkPool.MinPooledSize).ToString(),
            ["segment.bytes"] = LogChunkPool.MinPooledSize.ToString(),
        });

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var readers = Enumerable.Range(0, 2).Select(i => Task.Run(() => ReadUntilTheEnd(cluster, $"reader-{i}", stop.Token))).ToList();
        using (var producer = Producer(cluster))
        {
            await Task.Run(() => Produce(producer, 0, Messages / 2));
            // About 3 MB per partition against 0.5 MB kept: most of the first half's segments are deleted on every replica.
            await Eventually.TrueAsync(() => pool.PooledBytes >= 4 * LogChunkPool.MinPooledSize, "deleted segments' memory is back in the pool");
            await Task.Run(() => Produce(producer, Messages / 2, Messages));
        }
        var results = await Task.WhenAll(readers);

        foreach (var (read, wrong, errors) in results)
        {
            Assert.Empty(errors);
            Assert.Equal(0, wrong);
            Assert.True(read > 0, "the reader got records");
        }
        // The second half's segments were written into the memory of the first half's.
        Assert.True(pool.ReusedBytes >= 4 * LogChunkPool.MinPooledSize,
            $"{pool.ReusedBytes} bytes of log memory reused; pooled {pool.PooledBytes}; " +
            string.Join(",", cluster.Controller.Topics.Single(t => t.Name == Topic).Partitions.SelectMany(p => p.Logs).Select(l => $"{l.LogStartOffset}-{l.LogEndOffset}/{l.SegmentCount}/{l.SizeInBytes}")));
    }

    private static string ValueFor(int key) => string.Create(ValueSize, key, (span, k) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + (k + i) % 26);
    });

    private static IProducer<int, string> Producer(EmbeddedKafkaCluster cluster) => new ProducerBuilder<int, string>(new ProducerConfig
    {
        BootstrapServers = cluster.BootstrapServers,
        Acks = Acks.All,
        LingerMs = 5,
        BatchSize = 16 * 1024, // batches well under a segment, so that segments are chunks of the pool's sizes
    }).Build();

    /// <summary>Produces the keys from <paramref name="from"/> up to <paramref name="to"/> and waits until all are acknowledged.</summary>
    private static void Produce(IProducer<int, string> producer, int from, int to)
    {
        for (var key = from; key < to; key++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(Topic, new Message<int, string> { Key = key, Value = ValueFor(key) });
                    break;
                }
                catch (ProduceException<int, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Reads both partitions from the start until the last key; records deleted before they were read are skipped (auto.offset.reset).</summary>
    private static (int Read, int Wrong, List<string> Errors) ReadUntilTheEnd(EmbeddedKafkaCluster cluster, string group, CancellationToken stop)
    {
        var errors = new List<string>();
        using var consumer = new ConsumerBuilder<int, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            CheckCrcs = true,
            MaxPartitionFetchBytes = 64 * 1024, // many small fetches: more of them in flight while retention runs
        }).SetErrorHandler((_, e) => { lock (errors) errors.Add(e.ToString()); }).Build();
        consumer.Subscribe(Topic);
        int read = 0, wrong = 0;
        var lastKeys = new HashSet<int>();
        while (lastKeys.Count < 2 && !stop.IsCancellationRequested)
        {
            ConsumeResult<int, string>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e)
            {
                lock (errors) errors.Add(e.Error.ToString());
                continue;
            }
            if (result is null) continue;
            read++;
            if (result.Message.Value != ValueFor(result.Message.Key)) wrong++;
            // One of the last 200 keys on each partition: the reader has reached the end of both.
            if (result.Message.Key >= Messages - 200) lastKeys.Add(result.Partition.Value);
        }
        consumer.Close();
        lock (errors) return (read, wrong, errors.Where(e => !e.Contains("Offset out of range", StringComparison.OrdinalIgnoreCase)).ToList());
    }
}
