using Confluent.Kafka;
using Tributary.Broker.Cluster;

namespace Tributary.Broker.Tests;

/// <summary>Reads <c>__consumer_offsets</c> as lag tools do: a plain Confluent.Kafka consumer of one partition.</summary>
internal static class OffsetsTopicReader
{
    /// <summary>Every record of one partition of <c>__consumer_offsets</c>, from its start to its end.</summary>
    public static List<(byte[] Key, byte[]? Value)> ReadPartition(string bootstrapServers, int partition)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var end = reader.QueryWatermarkOffsets(new TopicPartition(CoordinatorPlacement.OffsetsTopic, partition), TimeSpan.FromSeconds(10)).High;
        reader.Assign(new TopicPartitionOffset(CoordinatorPlacement.OffsetsTopic, partition, Offset.Beginning));
        var records = new List<(byte[], byte[]?)>();
        var deadline = DateTime.UtcNow + Eventually.Patience;
        while (DateTime.UtcNow < deadline)
        {
            var record = reader.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null) continue;
            if (record.IsPartitionEOF)
            {
                if (record.Offset >= end) break;
                continue;
            }
            records.Add((record.Message.Key, record.Message.Value));
        }
        return records;
    }
}
