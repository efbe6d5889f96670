using Confluent.Kafka;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>Compacted topics driven by Confluent.Kafka (librdkafka): the cleaner's results as a real consumer sees them.</summary>
public class CompactionClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    // The cleaner runs with retention, every 100 ms here.
    public async Task InitializeAsync() =>
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, RetentionCheckInterval = TimeSpan.FromMilliseconds(100) });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IProducer<string?, string?> Producer(Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0, MessageTimeoutMs = 20_000 };
        configure?.Invoke(config);
        return new ProducerBuilder<string?, string?>(config).Build();
    }

    private Task CreateCompactedTopicAsync(string topic) => _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3, configs: new Dictionary<string, string>
    {
        ["cleanup.policy"] = "compact",
        ["segment.ms"] = "1000",                  // each round below, 2 s newer than the last, starts a segment
        ["min.cleanable.dirty.ratio"] = "0.01",
        ["delete.retention.ms"] = "0",            // tombstones go at the cleaning after the one that saw them
    });

    /// <summary>Everything a consumer gets from the beginning up to the high watermark, as (offset, key, value).</summary>
    private List<(long Offset, string? Key, string? Value)> ReadAll(string topic, IsolationLevel isolation = IsolationLevel.ReadUncommitted) =>
        ReadAll(_cluster.BootstrapServers, topic, isolation);

    /// <summary>
    /// Everything a consumer of <paramref name="bootstrapServers"/> gets from the beginning of partition 0 up to the end
    /// of the partition, or up to the record at <paramref name="lastOffset"/> when given (on a stopped cluster clock an
    /// empty fetch, which tells the end, waits for the clock).
    /// </summary>
    internal static List<(long Offset, string? Key, string? Value)> ReadAll(string bootstrapServers, string topic,
        IsolationLevel isolation = IsolationLevel.ReadUncommitted, long lastOffset = -1)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers, GroupId = "compaction-readers", EnableAutoCommit = false, EnablePartitionEof = true,
            IsolationLevel = isolation, FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var records = new List<(long, string?, string?)>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null) continue;
            if (result.IsPartitionEOF) return records;
            records.Add((result.Offset.Value, result.Message.Key, result.Message.Value));
            if (lastOffset >= 0 && result.Offset.Value >= lastOffset) return records;
        }
        throw new TimeoutException($"No end of partition within {Timeout}; read {records.Count} records.");
    }

    /// <summary>Reads from the beginning until the consumer sees <paramref name="expected"/> (the cleaner runs in the background).</summary>
    private async Task<List<(long Offset, string? Key, string? Value)>> WaitUntilReadAsync(string topic, List<(long, string?, string?)> expected)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var seen = ReadAll(topic);
        while (!seen.SequenceEqual(expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            seen = ReadAll(topic);
        }
        return seen;
    }

    [Fact]
    public async Task A_record_without_a_key_on_a_compacted_topic_is_refused_as_an_invalid_record()
    {
        await CreateCompactedTopicAsync("keys-required");
        using var producer = Producer();

        var refused = await Assert.ThrowsAsync<ProduceException<string?, string?>>(() =>
            producer.ProduceAsync("keys-required", new Message<string?, string?> { Key = null, Value = "no key" }));
        var accepted = await producer.ProduceAsync("keys-required", new Message<string?, string?> { Key = "k", Value = "keyed" });

        Assert.Equal(ErrorCode.InvalidRecord, refused.Error.Code);
        Assert.Equal(0, accepted.Offset.Value);
    }

    [Fact]
    public async Task A_consumer_from_the_beginning_sees_the_latest_value_of_each_key_at_its_original_offset_and_no_deleted_key()
    {
        await CreateCompactedTopicAsync("latest-per-key");
        using var producer = Producer(c => c.EnableIdempotence = true);
        var start = DateTime.UtcNow.AddMinutes(-30);
        var offsets = new Dictionary<(string, string?), long>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var key in new[] { "k0", "k1", "k2", "gone" })
            {
                // The last round deletes "gone" with a tombstone.
                var value = key == "gone" && round == 2 ? null : $"{key}-v{round}";
                var delivered = await producer.ProduceAsync("latest-per-key",
                    new Message<string?, string?> { Key = key, Value = value, Timestamp = new Timestamp(start.AddSeconds(2 * round)) });
                offsets[(key, value)] = delivered.Offset.Value;
            }
        }
        // A newer record starts the active segment, which is never cleaned.
        var tail = await producer.ProduceAsync("latest-per-key", new Message<string?, string?> { Key = "tail", Value = "t", Timestamp = new Timestamp(start.AddSeconds(10)) });

        List<(long, string?, string?)> expected =
        [
            (offsets[("k0", "k0-v2")], "k0", "k0-v2"), (offsets[("k1", "k1-v2")], "k1", "k1-v2"), (offsets[("k2", "k2-v2")], "k2", "k2-v2"),
            (tail.Offset.Value, "tail", "t"),
        ];
        Assert.Equal(expected, await WaitUntilReadAsync("latest-per-key", expected));

        // The producer goes on after cleaning: its sequence is still valid, and offsets continue after the old end.
        var next = await producer.ProduceAsync("latest-per-key", new Message<string?, string?> { Key = "k0", Value = "after" });
        Assert.Equal(tail.Offset.Value + 1, next.Offset.Value);
    }

    [Fact]
    public async Task Records_of_an_aborted_transaction_are_removed_by_the_cleaner()
    {
        await CreateCompactedTopicAsync("aborted-removed");
        var start = DateTime.UtcNow.AddMinutes(-30);
        using var producer = Producer(c => c.TransactionalId = "compaction-txn");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        var kept = await producer.ProduceAsync("aborted-removed", new Message<string?, string?> { Key = "a", Value = "committed", Timestamp = new Timestamp(start) });
        producer.CommitTransaction(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync("aborted-removed", new Message<string?, string?> { Key = "a", Value = "aborted", Timestamp = new Timestamp(start.AddSeconds(2)) });
        await producer.ProduceAsync("aborted-removed", new Message<string?, string?> { Key = "b", Value = "aborted", Timestamp = new Timestamp(start.AddSeconds(2)) });
        producer.AbortTransaction(Timeout);
        producer.BeginTransaction();
        var tail = await producer.ProduceAsync("aborted-removed", new Message<string?, string?> { Key = "tail", Value = "t", Timestamp = new Timestamp(start.AddSeconds(4)) });
        producer.CommitTransaction(Timeout);

        // read_uncommitted would show the aborted records until the cleaner removes them.
        List<(long, string?, string?)> expected = [(kept.Offset.Value, "a", "committed"), (tail.Offset.Value, "tail", "t")];
        Assert.Equal(expected, await WaitUntilReadAsync("aborted-removed", expected));
        // Once the abort marker is gone too, read_committed still sees the producer's later records.
        await Task.Delay(500);
        Assert.Equal(expected, ReadAll("aborted-removed", IsolationLevel.ReadCommitted));
    }
}
