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
public sealed class LogMemoryReuseTests
{
    private const string Topic = "recycled";
    private const int Messages = 40_000;
    private const int ValueSize = 300;

    [Fact]
    public async Task Consumers_reading_while_retention_recycles_the_log_memory_get_every_record_intact()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            RetentionCheckInterval = TimeSpan.FromMilliseconds(100),
        });
        await cluster.CreateTopicAsync(Topic, partitions: 2, replicationFactor: 3, new Dictionary<string, string>
        {
            ["retention.bytes"] = (2 * LogChunkPool.MinPooledSize).ToString(),
            ["segment.bytes"] = LogChunkPool.MinPooledSize.ToString(),
        });
        var reusedBefore = LogChunkPool.Shared.ReusedBytes;

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var readers = Enumerable.Range(0, 2).Select(i => Task.Run(() => ReadUntilTheEnd(cluster, $"reader-{i}", stop.Token))).ToList();
        await Task.Run(() => Produce(cluster));
        var results = await Task.WhenAll(readers);

        foreach (var (read, wrong, errors) in results)
        {
            Assert.Empty(errors);
            Assert.Equal(0, wrong);
            Assert.True(read > 0, "the reader got records");
        }
        // At about 6 MB per partition against 0.5 MB kept, most segments were deleted and their memory written again.
        Assert.True(LogChunkPool.Shared.ReusedBytes - reusedBefore >= 4 * LogChunkPool.MinPooledSize,
            $"{LogChunkPool.Shared.ReusedBytes - reusedBefore} bytes of log memory reused; pooled {LogChunkPool.Shared.PooledBytes}; " +
            string.Join(",", cluster.Controller.Topics.Single(t => t.Name == Topic).Partitions.SelectMany(p => p.Logs).Select(l => $"{l.LogStartOffset}-{l.LogEndOffset}/{l.SegmentCount}/{l.SizeInBytes}")));
    }

    private static string ValueFor(int key) => string.Create(ValueSize, key, (span, k) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + (k + i) % 26);
    });

    private static void Produce(EmbeddedKafkaCluster cluster)
    {
        using var producer = new ProducerBuilder<int, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            LingerMs = 5,
            BatchSize = 16 * 1024, // batches well under a segment, so that segments are chunks of the pool's sizes
        }).Build();
        for (var key = 0; key < Messages; key++)
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
