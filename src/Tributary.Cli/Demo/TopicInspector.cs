using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Cli.Demo;

/// <summary>
/// Reads what the demo's steps left in the cluster with plain Confluent.Kafka clients, independent of the connectors
/// under demonstration: a topic's records, its end offsets, a partition's leader and in-sync replicas, and a group's
/// committed offsets. Its admin client and watermark consumer live as long as it does: a login over SASL_SSL (TLS
/// handshake, SCRAM) costs more than the questions the replication step asks every few milliseconds.
/// </summary>
/// <param name="clientConfig">Connection properties of a principal that may read everything (an administrator).</param>
internal sealed class TopicInspector(IReadOnlyDictionary<string, string> clientConfig) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly Lazy<IAdminClient> _admin = new(() =>
        new AdminClientBuilder(new AdminClientConfig(clientConfig.ToDictionary())).SetLogHandler((_, _) => { }).Build());
    private readonly Lazy<IConsumer<string, string>> _watermarks = new(() => CreateConsumer(clientConfig, IsolationLevel.ReadUncommitted));

    /// <summary>Every record of <paramref name="topic"/> up to its end offsets, as a consumer with <paramref name="isolation"/> sees them.</summary>
    public IReadOnlyList<ConsumeResult<string, string>> ReadAll(string topic, int partitions, IsolationLevel isolation, CancellationToken cancellationToken)
    {
        using var consumer = CreateConsumer(clientConfig, isolation);
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

    /// <summary>The sum of the end offsets (high watermarks) of <paramref name="topic"/>'s partitions.</summary>
    public long EndOffsetTotal(string topic, int partitions) =>
        Enumerable.Range(0, partitions).Sum(p => _watermarks.Value.QueryWatermarkOffsets(new TopicPartition(topic, p), RequestTimeout).High.Value);

    /// <summary>The sum of the offsets <paramref name="group"/> has committed.</summary>
    public async Task<long> CommittedTotalAsync(string group)
    {
        var offsets = await _admin.Value.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]);
        return offsets.SelectMany(g => g.Partitions).Where(p => p.Offset.Value > 0).Sum(p => p.Offset.Value);
    }

    /// <summary>Partition 0 of <paramref name="topic"/> as metadata shows it now: leader and in-sync replicas.</summary>
    public PartitionMetadata FirstPartition(string topic) =>
        _admin.Value.GetMetadata(topic, RequestTimeout).Topics.Single().Partitions.Single(p => p.PartitionId == 0);

    /// <summary>Waits until partition 0 of <paramref name="topic"/> satisfies <paramref name="condition"/>; false when it did not in time.</summary>
    public async Task<bool> WaitForFirstPartitionAsync(string topic, Func<PartitionMetadata, bool> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition(FirstPartition(topic)))
        {
            if (clock.Elapsed > RequestTimeout) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
        return true;
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated) _admin.Value.Dispose();
        if (_watermarks.IsValueCreated) _watermarks.Value.Dispose();
    }

    private static IConsumer<string, string> CreateConsumer(IReadOnlyDictionary<string, string> clientConfig, IsolationLevel isolation) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig(clientConfig.ToDictionary())
            {
                GroupId = "tributary-demo-inspector",
                EnableAutoCommit = false,
                IsolationLevel = isolation,
            })
            .SetLogHandler((_, _) => { })
            .Build();
}
