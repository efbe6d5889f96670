using Confluent.Kafka;

namespace Tributary.Cli.Demo;

/// <summary>
/// Reads what the demo's exercises left in the cluster with plain Confluent.Kafka clients, independent of the
/// connectors under demonstration: a topic's committed records, its end offsets and a group's committed offsets.
/// </summary>
internal sealed class TopicInspector(string bootstrapServers)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Every record of <paramref name="topic"/> up to its end offsets, as a read_committed consumer sees them.</summary>
    public IReadOnlyList<ConsumeResult<string, string>> ReadCommitted(string topic, int partitions, CancellationToken cancellationToken)
    {
        using var consumer = CreateConsumer(IsolationLevel.ReadCommitted);
        var ends = Enumerable.Range(0, partitions)
            .Select(p => (Partition: new TopicPartition(topic, p), End: consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), RequestTimeout).High.Value))
            .Where(p => p.End > 0)
            .ToDictionary(p => p.Partition, p => p.End);
        consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + RequestTimeout;
        // Transaction markers occupy offsets too, so a partition is done when its position reaches the end offset.
        while (ends.Count > 0 && DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                records.Add(record);
            foreach (var partition in ends.Keys.Where(p => consumer.Position(p).Value >= ends[p]).ToList())
                ends.Remove(partition);
        }
        return records;
    }

    /// <summary>The sum of the end offsets of <paramref name="topic"/>'s partitions.</summary>
    public long EndOffsetTotal(string topic, int partitions)
    {
        using var consumer = CreateConsumer(IsolationLevel.ReadUncommitted);
        return Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), RequestTimeout).High.Value);
    }

    /// <summary>The sum of the offsets <paramref name="group"/> has committed.</summary>
    public async Task<long> CommittedTotalAsync(string group)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).SetLogHandler((_, _) => { }).Build();
        var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]);
        return offsets.SelectMany(g => g.Partitions).Where(p => p.Offset.Value > 0).Sum(p => p.Offset.Value);
    }

    private IConsumer<string, string> CreateConsumer(IsolationLevel isolation) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = "tributary-demo-inspector",
                EnableAutoCommit = false,
                IsolationLevel = isolation,
            })
            .SetLogHandler((_, _) => { })
            .Build();
}
