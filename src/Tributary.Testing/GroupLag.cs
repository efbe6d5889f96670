using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Testing;

/// <summary>Compares a group's committed offsets with the end offsets of a topic's partitions.</summary>
internal sealed class GroupLag(ClientConfig client)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRequest = TimeSpan.FromSeconds(5);

    /// <exception cref="TimeoutException">The lag was not zero in time, or the cluster did not answer in time.</exception>
    public async Task WaitForZeroAsync(string groupId, string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(client)).Build();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(client) { GroupId = groupId, EnableAutoCommit = false })
            .SetLogHandler((_, _) => { })
            .Build();
        var clock = Stopwatch.StartNew();
        string last = "no answer from the cluster yet";
        while (true)
        {
            // Every request is bounded by the time left, and a client timeout counts as "not yet": the caller is
            // promised a TimeoutException, not Confluent's KafkaException (Local: Timed out).
            var left = timeout - clock.Elapsed;
            try
            {
                var partitions = admin.GetMetadata(topic, Bound(left)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
                var lag = await LagAsync(admin, consumer, groupId, partitions, Bound(left));
                if (lag.Values.All(l => l == 0))
                    return;
                last = "lag " + string.Join(", ", lag.Where(l => l.Value > 0).Select(l => $"[{l.Key.Partition.Value}] {l.Value}"));
            }
            catch (KafkaException e) when (e.Error.IsLocalError)
            {
                last = $"the cluster did not answer ({e.Error.Reason})";
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"Group {groupId} still lags on {topic} after {timeout}: {last}");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static TimeSpan Bound(TimeSpan left) => left < PollInterval ? PollInterval : left > LongestRequest ? LongestRequest : left;

    private static async Task<Dictionary<TopicPartition, long>> LagAsync(
        IAdminClient admin, IConsumer<byte[], byte[]> consumer, string groupId, List<TopicPartition> partitions, TimeSpan requestTimeout)
    {
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, partitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = requestTimeout }))
            .SelectMany(g => g.Partitions)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
        return partitions.ToDictionary(p => p, p =>
        {
            var end = consumer.QueryWatermarkOffsets(p, requestTimeout).High.Value;
            var position = committed.GetValueOrDefault(p, Offset.Unset.Value);
            return end - Math.Max(position, 0);
        });
    }
}
