using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Testing;

/// <summary>Reads a topic from the beginning of every partition with a plain consumer outside any group.</summary>
internal static class TopicReader
{
    public static IReadOnlyList<ConsumeResult<string, string>> Read(
        EmbeddedKafkaFixture kafka, string topic, int count, IsolationLevel isolation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var config = kafka.ConsumerConfig(UniqueNames.Next("reader"));
        config.IsolationLevel = isolation;
        using var consumer = new ConsumerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig(kafka.ClientConfig())).Build();
        var partitions = admin.GetMetadata(topic, timeout).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        // Assigned, not subscribed: no group join to wait for, so reading starts at once.
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>(count);
        var clock = Stopwatch.StartNew();
        while (records.Count < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed > timeout)
                throw new TimeoutException(
                    $"Read {records.Count} of {count} records from {topic} in {timeout} (from the beginning of partitions " +
                    $"{string.Join(", ", partitions.Select(p => p.Partition.Value))}, without a consumer group, {isolation}); " +
                    $"{Describe(consumer, partitions)}.");
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                records.Add(record);
        }
        return records;
    }

    // What the topic holds now, to tell "not written" from "written but not read in time".
    private static string Describe(IConsumer<string, string> consumer, List<TopicPartition> partitions)
    {
        try
        {
            var marks = partitions.Select(p => (Partition: p.Partition.Value, Marks: consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)))).ToList();
            var held = marks.Sum(m => m.Marks.High.Value - m.Marks.Low.Value);
            return $"the partitions hold {held} records now (first..end offsets: {string.Join(", ", marks.Select(m => $"[{m.Partition}] {m.Marks.Low.Value}..{m.Marks.High.Value}"))})";
        }
        catch (KafkaException e)
        {
            return $"their offsets could not be read ({e.Error.Reason})";
        }
    }
}
