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
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig(kafka.ClientConfig())).Build();
        var partitions = admin.GetMetadata(topic, timeout).Topics.Single().Partitions;
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>(count);
        var clock = Stopwatch.StartNew();
        while (records.Count < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"Read {records.Count} of {count} records from {topic} in {timeout}.");
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                records.Add(record);
        }
        return records;
    }
}
