using Confluent.Kafka;

namespace Tributary.Interop.Tests.Transactions;

/// <summary>Reads what another client wrote, with Confluent.Kafka, at either isolation level.</summary>
internal static class CommittedReader
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The values of every partition of <paramref name="topic"/>, read from the beginning to each partition's end.</summary>
    public static List<string> ReadAll(string bootstrap, string topic, int partitions, IsolationLevel isolation)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"verifier-{Guid.NewGuid():N}",
            IsolationLevel = isolation,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow + Timeout;
        while (atEnd.Count < partitions && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result) continue;
            if (result.IsPartitionEOF) atEnd.Add(result.Partition.Value);
            else values.Add(result.Message.Value);
        }
        Assert.True(atEnd.Count == partitions, $"Only partitions [{string.Join(",", atEnd)}] of {topic} reached their end.");
        return values;
    }
}
