namespace Tributary.Benchmarks.Cluster;

/// <summary>How much of each partition's log the embedded targets keep (<c>--retention</c>); the mock always keeps its own limit.</summary>
internal enum LogRetention
{
    /// <summary>The whole log, as a topic with Kafka's default retention keeps it during a run.</summary>
    Whole,

    /// <summary>
    /// At most what librdkafka's mock keeps of a partition (<see cref="MockRetention"/>), so that both write their logs
    /// into memory they freed before, not into a log that only grows.
    /// </summary>
    Mock,
}

/// <summary>
/// The Kafka settings that bound an embedded target's partitions like the mock's: the one source of these values.
/// librdkafka's mock (src/rdkafka_mock.c, <c>rd_kafka_mock_partition_init</c>: <c>mpart-&gt;max_size = 1024 * 1024 * 5;
/// mpart-&gt;max_cnt = 100000;</c>) drops a partition's oldest message sets on every append once it holds more than 5 MiB or
/// 100,000 of them (the benchmark's batches hold hundreds of messages each, so the bytes bind first).
/// </summary>
internal static class MockRetention
{
    /// <summary>retention.bytes: the mock's 5 MiB per partition.</summary>
    public const long RetentionBytes = 5 * 1024 * 1024;

    /// <summary>
    /// segment.bytes: Kafka deletes only whole segments, never the active one's records, so a partition holds between
    /// retention.bytes and retention.bytes plus one segment (plus what arrives between two checks). 1 MiB keeps that
    /// excess at a fifth of the limit; it is also the smallest log.segment.bytes Kafka's broker accepts.
    /// </summary>
    public const int SegmentBytes = 1024 * 1024;

    /// <summary>
    /// log.retention.check.interval.ms: the mock trims on every append; Kafka checks on a timer (5 minutes by default).
    /// At the benchmark's rate (up to about 10 MB a second per partition) 100 ms lets a partition grow by up to a segment
    /// between two checks. Shorter costs the broker more than the check is worth here: each timer tick costs about 0.3 ms
    /// of CPU on the benchmark machine, nearly all of it waking threads, not checking the logs (docs/benchmarks.md,
    /// "Fifth round").
    /// </summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Stored bytes of a 100-byte message in the benchmark's batches (record overhead and the batch header shared by hundreds).</summary>
    private const int StoredBytesPerMessage = 110;

    /// <summary>The topic configs of a benchmark topic under <paramref name="retention"/> (none for the whole log).</summary>
    public static IReadOnlyDictionary<string, string>? TopicConfigs(LogRetention retention) => retention == LogRetention.Mock
        ? new Dictionary<string, string> { ["retention.bytes"] = $"{RetentionBytes}", ["segment.bytes"] = $"{SegmentBytes}" }
        : null;

    /// <summary>
    /// The topic configs of the warm-up's topic that deletes early: retention.bytes and segment.bytes of 256 KiB (the log
    /// chunk pool's smallest size, so that its chunks are pooled as the measured topics' are), a twentieth and a quarter of
    /// <see cref="TopicConfigs"/>'s. A topic bounded so deletes segments on every retention check from its first
    /// half-megabyte per partition on, where one bounded as the mock is starts only past 6 MiB per partition: further than
    /// any warm-up topic goes, so the measured produce acks=1 was the first to delete and compiled the deletion while
    /// measured (docs/benchmarks.md, "Tenth round, second part").
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DeletesEarlyTopicConfigs = new Dictionary<string, string>
    {
        ["retention.bytes"] = $"{256 * 1024}",
        ["segment.bytes"] = $"{256 * 1024}",
    };

    /// <summary>The broker configs of a cluster under <paramref name="retention"/>: the short retention check when partitions are bounded.</summary>
    public static IReadOnlyDictionary<string, string> BrokerConfigs(LogRetention retention) => retention == LogRetention.Mock
        ? new Dictionary<string, string> { ["log.retention.check.interval.ms"] = $"{CheckInterval.TotalMilliseconds}" }
        : new Dictionary<string, string>();

    /// <summary>
    /// About how many messages a topic of <paramref name="partitions"/> keeps under the mock's limit: a read from the
    /// beginning of more than that misses the oldest and stalls, on the mock and on a bounded embedded target alike.
    /// </summary>
    public static long MessagesKept(int partitions) => RetentionBytes / StoredBytesPerMessage * partitions;
}
