using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Tributary.Streams.Internal;

/// <summary>
/// The gauge <c>messaging.kafka.consumer.lag</c>: per consumer and assigned partition, the messages between the
/// consumer's position and the partition's end, as librdkafka's latest statistics give it (<c>consumer_lag</c>; set
/// <c>statistics.interval.ms</c> to have statistics). Read only when a listener collects the gauge.
/// </summary>
internal static class ConsumerLag
{
    private static readonly ConcurrentDictionary<object, (string GroupId, Func<string?> Statistics)> Consumers = new();

    private static readonly ObservableGauge<long> Gauge = KafkaTelemetry.Meter.CreateObservableGauge(
        "messaging.kafka.consumer.lag", Observe, "{message}", "Messages between a consumer's position and the end of an assigned partition (librdkafka statistics).");

    /// <summary>Observes <paramref name="consumer"/>'s statistics until <see cref="Untrack"/>.</summary>
    public static void Track(object consumer, string groupId, Func<string?> statistics) => Consumers[consumer] = (groupId, statistics);

    public static void Untrack(object consumer) => Consumers.TryRemove(consumer, out _);

    private static IEnumerable<Measurement<long>> Observe()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (groupId, statistics) in Consumers.Values)
            if (statistics() is { } json)
                Read(json, groupId, measurements);
        return measurements;
    }

    /// <summary>Adds the lag of every partition in a librdkafka statistics document (partition -1 is librdkafka's own).</summary>
    internal static void Read(string statistics, string groupId, List<Measurement<long>> measurements)
    {
        using var document = JsonDocument.Parse(statistics);
        if (!document.RootElement.TryGetProperty("topics", out var topics))
            return;
        foreach (var topic in topics.EnumerateObject())
        {
            if (!topic.Value.TryGetProperty("partitions", out var partitions))
                continue;
            foreach (var partition in partitions.EnumerateObject())
            {
                if (partition.Name == "-1" || !partition.Value.TryGetProperty("consumer_lag", out var lag) || lag.GetInt64() < 0)
                    continue;
                measurements.Add(new Measurement<long>(lag.GetInt64(), new TagList
                {
                    { KafkaTelemetry.SystemTag, KafkaTelemetry.System },
                    { KafkaTelemetry.DestinationTag, topic.Name },
                    { KafkaTelemetry.PartitionTag, partition.Name },
                    { KafkaTelemetry.GroupTag, groupId },
                }));
            }
        }
    }
}
