using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary>
/// <c>tributary metadata</c> (kcat <c>-L</c>) lists the cluster as kcat does: brokers and the controller, topics,
/// and per partition its leader, replicas and in-sync replicas, plus its first and end offsets. <c>tributary
/// offsets</c> (kcat <c>-Q</c>) looks up, per <c>topic:partition:timestamp</c>, the first offset at or after the time.
/// </summary>
internal static class MetadataCommand
{
    public static Command Create()
    {
        var topic = new Option<string?>("--topic", "-t") { Description = "List only this topic." };
        var command = new Command("metadata", "List brokers, the controller, topics and partitions with leader, replicas, in-sync replicas and offsets (kcat -L).") { topic };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var metadata = kafka.GetMetadata(admin);
            var only = result.GetValue(topic);
            var topics = metadata.Topics.Where(t => only is null || t.Topic == only).OrderBy(t => t.Topic, StringComparer.Ordinal).ToList();
            if (only is not null && topics.All(t => t.Error.IsError))
                throw new UserErrorException($"unknown topic '{only}'");
            var controller = (await admin.DescribeClusterAsync(new Confluent.Kafka.Admin.DescribeClusterOptions { RequestTimeout = kafka.Timeout })).Controller?.Id;
            using var offsets = new WatermarkReader(kafka);
            var output = Console.Out;
            await output.WriteLineAsync($"Metadata for {(only is null ? "all topics" : $"{only}")} (from broker {metadata.OriginatingBrokerId}: {metadata.OriginatingBrokerName}):");
            await output.WriteLineAsync($" {metadata.Brokers.Count} brokers:");
            foreach (var broker in metadata.Brokers.OrderBy(b => b.BrokerId))
                await output.WriteLineAsync($"  broker {broker.BrokerId} at {broker.Host}:{broker.Port}{(broker.BrokerId == controller ? " (controller)" : "")}");
            await output.WriteLineAsync($" {topics.Count} topics:");
            foreach (var t in topics)
            {
                await output.WriteLineAsync($"  topic \"{t.Topic}\" with {t.Partitions.Count} partitions:");
                foreach (var p in t.Partitions.OrderBy(p => p.PartitionId))
                {
                    var marks = offsets.Read(new TopicPartition(t.Topic, p.PartitionId));
                    await output.WriteLineAsync(
                        $"    partition {p.PartitionId}, leader {p.Leader}, replicas: {string.Join(',', p.Replicas)}, isrs: {string.Join(',', p.InSyncReplicas)}, offsets: {marks.Low.Value}..{marks.High.Value}");
                }
            }
            return 0;
        });
    }

    public static Command CreateOffsets()
    {
        var queries = new Option<string[]>("--topic", "-t")
        {
            Description = "topic:partition:timestamp (Unix ms); repeatable.",
            Required = true,
        };
        var command = new Command("offsets", "Find, per topic:partition:timestamp, the first offset at or after the time (kcat -Q).") { queries };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var parsed = (result.GetValue(queries) ?? []).Select(ParseQuery).ToList();
            var metadata = kafka.GetMetadata(admin);
            foreach (var query in parsed)
                if (metadata.Topics.FirstOrDefault(t => t.Topic == query.Topic && !t.Error.IsError) is not { } known || known.Partitions.All(p => p.PartitionId != query.Partition.Value))
                    throw new UserErrorException($"unknown topic or partition {query.TopicPartition}");
            using var offsets = new WatermarkReader(kafka);
            // One look-up per query: in one request, several times for the same partition would get one answer.
            foreach (var found in parsed.Select(query => offsets.Consumer.OffsetsForTimes([query], kafka.Timeout).Single()))
                await Console.Out.WriteLineAsync($"{found.Topic} [{found.Partition.Value}] offset {found.Offset.Value}");
            return 0;
        });
    }

    private static TopicPartitionTimestamp ParseQuery(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var timestamp))
            throw new UserErrorException($"bad -t '{text}': expected topic:partition:timestamp (Unix ms; -1 for the end, -2 for the beginning)");
        return new TopicPartitionTimestamp(parts[0], partition, new Timestamp(timestamp, TimestampType.CreateTime));
    }
}
