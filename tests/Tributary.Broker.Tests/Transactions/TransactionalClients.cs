using Confluent.Kafka;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>Confluent.Kafka transactional producers and isolation-aware consumers against one embedded cluster.</summary>
internal sealed class TransactionalClients(EmbeddedKafkaCluster cluster)
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    public IProducer<string, string> TransactionalProducer(string transactionalId, Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            TransactionalId = transactionalId,
            LingerMs = 0,
            MessageTimeoutMs = 20_000,
            SocketTimeoutMs = 5_000,
        };
        configure?.Invoke(config);
        var producer = new ProducerBuilder<string, string>(config).Build();
        producer.InitTransactions(ClientTimeout);
        return producer;
    }

    public IConsumer<string, string> Consumer(string groupId, IsolationLevel isolation, bool autoCommit = false) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = groupId,
            IsolationLevel = isolation,
            EnableAutoCommit = autoCommit,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            SessionTimeoutMs = 10_000,
        }).Build();

    /// <summary>Reads every partition of <paramref name="topic"/> from the beginning until each reports its end.</summary>
    public List<ConsumeResult<string, string>> ReadAll(string topic, int partitions, IsolationLevel isolation)
    {
        using var consumer = Consumer($"reader-{Guid.NewGuid():N}", isolation);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow + ClientTimeout;
        while (atEnd.Count < partitions && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result) continue;
            if (result.IsPartitionEOF) atEnd.Add(result.Partition.Value);
            else results.Add(result);
        }
        Assert.True(atEnd.Count == partitions, $"Only partitions [{string.Join(",", atEnd)}] of {topic} reached their end.");
        return results;
    }

    /// <summary>Produces <paramref name="values"/> in one transaction, then commits or aborts it.</summary>
    public static async Task ProduceInTransactionAsync(IProducer<string, string> producer, string topic, IEnumerable<string> values, bool commit)
    {
        producer.BeginTransaction();
        foreach (var value in values) await producer.ProduceAsync(topic, new Message<string, string> { Key = value, Value = value });
        if (commit) producer.CommitTransaction(ClientTimeout);
        else producer.AbortTransaction(ClientTimeout);
    }
}
