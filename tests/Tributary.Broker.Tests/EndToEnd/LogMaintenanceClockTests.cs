using Confluent.Kafka;
using Tributary.Broker.Tests.Groups;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Log maintenance on a clock the test moves, seen by Confluent.Kafka: tombstones go exactly when delete.retention.ms has
/// passed, and segments when retention.ms has, though the checks in between found nothing to do and were skipped.
/// </summary>
public class LogMaintenanceClockTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new();
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { TimeProvider = _clock, RetentionCheckInterval = TimeSpan.FromSeconds(1) });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_tombstone_is_kept_for_delete_retention_ms_after_the_cleaning_that_saw_it_then_removed()
    {
        await _cluster.CreateTopicAsync("deletes", configs: new Dictionary<string, string>
        {
            ["cleanup.policy"] = "compact", ["segment.ms"] = "1000", ["min.cleanable.dirty.ratio"] = "0.01", ["delete.retention.ms"] = "60000",
        });
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0 }).Build();
        // Timestamps on the cluster's clock (which starts in 2025); each record is 2 s newer, so each starts a segment.
        var start = _clock.GetUtcNow().UtcDateTime.AddMinutes(-30);
        await producer.ProduceAsync("deletes", new Message<string?, string?> { Key = "k", Value = "v", Timestamp = new Timestamp(start) });
        await producer.ProduceAsync("deletes", new Message<string?, string?> { Key = "k", Value = null, Timestamp = new Timestamp(start.AddSeconds(2)) });
        await producer.ProduceAsync("deletes", new Message<string?, string?> { Key = "tail", Value = "t", Timestamp = new Timestamp(start.AddSeconds(4)) });

        _clock.Advance(TimeSpan.FromSeconds(1));   // the first cleaning: k's value goes, its tombstone gets a horizon 60 s on
        Assert.Equal([(1L, "k", null), (2L, "tail", "t")], CompactionClientTests.ReadAll(_cluster.BootstrapServers, "deletes", lastOffset: 2));

        _clock.Advance(TimeSpan.FromSeconds(59));  // 59 s after that cleaning: still there
        Assert.Equal([(1L, "k", null), (2L, "tail", "t")], CompactionClientTests.ReadAll(_cluster.BootstrapServers, "deletes", lastOffset: 2));

        _clock.Advance(TimeSpan.FromSeconds(1));   // 60 s after: the horizon is reached
        Assert.Equal([(2L, "tail", "t")], CompactionClientTests.ReadAll(_cluster.BootstrapServers, "deletes", lastOffset: 2));
    }

    [Fact]
    public async Task A_segment_goes_on_the_first_check_after_retention_ms_passes_though_the_checks_before_had_nothing_to_do()
    {
        await _cluster.CreateTopicAsync("expiring", configs: new Dictionary<string, string> { ["retention.ms"] = "60000" });
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0 }).Build();
        await producer.ProduceAsync("expiring", new Message<string?, string?> { Key = "k", Value = "v", Timestamp = new Timestamp(_clock.GetUtcNow().UtcDateTime) });
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "watermarks" }).Build();
        long LogStart() => consumer.QueryWatermarkOffsets(new TopicPartition("expiring", 0), TimeSpan.FromSeconds(10)).Low.Value;

        _clock.Advance(TimeSpan.FromSeconds(60));   // the record is exactly retention.ms old: it stays
        Assert.Equal(0, LogStart());

        _clock.Advance(TimeSpan.FromSeconds(1));    // older than retention.ms at the check of 61 s: its segment goes
        Assert.Equal(1, LogStart());
    }
}
