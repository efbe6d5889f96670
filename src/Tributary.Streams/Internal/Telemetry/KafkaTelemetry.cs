using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// The connectors' <see cref="ActivitySource"/> and <see cref="Meter"/>, with the attribute names of OpenTelemetry's
/// messaging semantic conventions. Every caller asks <see cref="ObservingSends"/> or an instrument's
/// <c>Enabled</c> first, so without a listener a record costs a few reads and nothing is allocated.
/// </summary>
internal static class KafkaTelemetry
{
    public const string System = "kafka";

    // Attribute names (messaging semantic conventions; partition.id replaced messaging.kafka.destination.partition).
    public const string SystemTag = "messaging.system";
    public const string OperationNameTag = "messaging.operation.name";
    public const string OperationTypeTag = "messaging.operation.type";
    public const string DestinationTag = "messaging.destination.name";
    public const string PartitionTag = "messaging.destination.partition.id";
    public const string OffsetTag = "messaging.kafka.offset";
    public const string GroupTag = "messaging.consumer.group.name";
    public const string ClientIdTag = "messaging.client.id";
    public const string ErrorTypeTag = "error.type";

    public static readonly ActivitySource Source = new(TributaryTelemetry.ActivitySourceName, ThisVersion);

    public static readonly Meter Meter = new(TributaryTelemetry.MeterName, ThisVersion);

    public static readonly Counter<long> SentMessages = Meter.CreateCounter<long>(
        "messaging.client.sent.messages", "{message}", "Messages a producer attempted to send (error.type set for those that failed).");

    public static readonly Counter<long> ConsumedMessages = Meter.CreateCounter<long>(
        "messaging.client.consumed.messages", "{message}", "Messages the consumer received from the broker.");

    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        "messaging.client.operation.duration", "s", "Duration of a send (until the broker acknowledged it) or of an offset commit.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });

    public static readonly Counter<long> Rebalances = Meter.CreateCounter<long>(
        "tributary.consumer.rebalances", "{rebalance}", "Partition assignments, revocations and losses the consumer went through (tributary.rebalance.kind).");

    private static readonly string[] PartitionIds = Enumerable.Range(0, 256).Select(p => p.ToString(global::System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // Topics a process produces to or consumes from are few; the names live as long as the process.
    private static readonly ConcurrentDictionary<string, string> SendNames = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> ProcessNames = new(StringComparer.Ordinal);

    private static string ThisVersion => typeof(KafkaTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Whether a produced record gets a span or a measurement.</summary>
    public static bool ObservingSends => Source.HasListeners() || SentMessages.Enabled || OperationDuration.Enabled;

    /// <summary>
    /// Counts a consumed record of one partition (the consumer's poll thread, once per record). Given the topic and
    /// partition, not the record's TopicPartition, which Confluent.Kafka makes anew per call.
    /// </summary>
    public static void Consumed(string topic, Partition partition, string groupId)
    {
        if (!ConsumedMessages.Enabled)
            return;
        ConsumedMessages.Add(1, new TagList
        {
            { SystemTag, System },
            { OperationNameTag, "poll" },
            { DestinationTag, topic },
            { PartitionTag, PartitionId(partition) },
            { GroupTag, groupId },
        });
    }

    /// <summary>Records one offset commit's duration (operation <c>commit</c>, type <c>settle</c>) if it was measured from <paramref name="startTimestamp"/>.</summary>
    public static void Committed(long startTimestamp, string groupId, Exception? error)
    {
        if (startTimestamp == 0)
            return;
        var tags = new TagList { { SystemTag, System }, { OperationNameTag, "commit" }, { OperationTypeTag, "settle" }, { GroupTag, groupId } };
        if (error is not null)
            tags.Add(ErrorTypeTag, ErrorType(error));
        OperationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    /// <summary>Counts a rebalance event: <c>assigned</c>, <c>revoked</c> or <c>lost</c>.</summary>
    public static void Rebalanced(string kind, string groupId)
    {
        if (Rebalances.Enabled)
            Rebalances.Add(1, new TagList { { SystemTag, System }, { GroupTag, groupId }, { "tributary.rebalance.kind", kind } });
    }

    /// <summary>A timestamp for a duration, or 0 when no duration is recorded.</summary>
    public static long TimestampIfMeasured() => OperationDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>The <c>messaging.destination.partition.id</c> of <paramref name="partition"/>: cached strings for the usual partitions.</summary>
    public static string PartitionId(Partition partition) =>
        (uint)partition.Value < (uint)PartitionIds.Length
            ? PartitionIds[partition.Value]
            : partition.Value.ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The span name <c>send {topic}</c>, made once per topic.</summary>
    public static string SendSpanName(string topic) => SendNames.GetOrAdd(topic, static t => "send " + t);

    /// <summary>The span name <c>process {topic}</c>, made once per topic.</summary>
    public static string ProcessSpanName(string topic) => ProcessNames.GetOrAdd(topic, static t => "process " + t);

    public static string ErrorType(Exception error) => error is KafkaException kafka ? kafka.Error.Code.ToString() : error.GetType().FullName ?? error.GetType().Name;
}
