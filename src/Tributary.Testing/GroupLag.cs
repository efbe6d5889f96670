using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Testing;

/// <summary>Compares a group's committed offsets with the end offsets of a topic's partitions.</summary>
internal sealed class GroupLag(ClientConfig client)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task WaitForZeroAsync(string groupId, string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(client)).Build();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(client) { GroupId = groupId, EnableAutoCommit = false }).Build();
        var partitions = admin.GetMetadata(topic, timeout).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var lag = await LagAsync(admin, consumer, groupId, partitions);
            if (lag.Values.All(l => l == 0))
                return;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"Group {groupId} still lags on {topic} after {timeout}: " +
                                           string.Join(", ", lag.Where(l => l.Value > 0).Select(l => $"[{l.Key.Partition.Value}] {l.Value}")));
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static async Task<Dictionary<TopicPartition, long>> LagAsync(IAdminClient admin, IConsumer<byte[], byte[]> consumer, string groupId, List<TopicPartition> partitions)
    {
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, partitions)]))
            .SelectMany(g => g.Partitions)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
        return partitions.ToDictionary(p => p, p =>
        {
            var end = consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value;
            var position = committed.GetValueOrDefault(p, Offset.Unset.Value);
            return end - Math.Max(position, 0);
        });
    }
}
