using Confluent.Kafka;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Transactions.TransactionalClients;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>Transactions driven by Confluent.Kafka (librdkafka), a client we did not write.</summary>
public class ConfluentTransactionTests : IAsyncLifetime
{
    private EmbeddedKafkaCluster _cluster = null!;
    private TransactionalClients _clients = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        _clients = new TransactionalClients(_cluster);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static IEnumerable<string> Values(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}");

    [Fact]
    public async Task Read_committed_sees_committed_transactions_only_and_read_uncommitted_sees_all()
    {
        await _cluster.CreateTopicAsync("payments", partitions: 2, replicationFactor: 2);
        using (var producer = _clients.TransactionalProducer("payments-tx"))
        {
            await ProduceInTransactionAsync(producer, "payments", Values("first", 10), commit: true);
            await ProduceInTransactionAsync(producer, "payments", Values("aborted", 5), commit: false);
            await ProduceInTransactionAsync(producer, "payments", Values("second", 7), commit: true);
        }

        var committed = _clients.ReadAll("payments", 2, IsolationLevel.ReadCommitted);
        var everything = _clients.ReadAll("payments", 2, IsolationLevel.ReadUncommitted);

        Assert.Equal(Values("first", 10).Concat(Values("second", 7)).Order(), committed.Select(r => r.Message.Value).Order());
        Assert.Equal(22, everything.Count);
        Assert.Equal(5, everything.Count(r => r.Message.Value.StartsWith("aborted", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_open_transaction_holds_read_committed_consumers_at_its_first_offset()
    {
        await _cluster.CreateTopicAsync("held", partitions: 1);
        using var producer = _clients.TransactionalProducer("held-tx");
        await ProduceInTransactionAsync(producer, "held", Values("done", 3), commit: true);
        producer.BeginTransaction();
        await producer.ProduceAsync("held", new Message<string, string> { Key = "open", Value = "open" });

        using var consumer = _clients.Consumer("held-readers", IsolationLevel.ReadCommitted);
        var partition = new TopicPartition("held", 0);
        // Three records and a commit marker, then the open transaction's first record at offset 4.
        var lastStable = consumer.QueryWatermarkOffsets(partition, ClientTimeout).High;
        Assert.Equal(4, lastStable.Value);
        Assert.Equal(3, _clients.ReadAll("held", 1, IsolationLevel.ReadCommitted).Count);

        producer.CommitTransaction(ClientTimeout);
        // Its commit marker took offset 5.
        Assert.Equal(6, consumer.QueryWatermarkOffsets(partition, ClientTimeout).High.Value);
        Assert.Equal(4, _clients.ReadAll("held", 1, IsolationLevel.ReadCommitted).Count);
    }

    [Fact]
    public async Task Consume_transform_produce_commits_offsets_with_the_output_or_not_at_all()
    {
        await _cluster.CreateTopicAsync("words", partitions: 2);
        await _cluster.CreateTopicAsync("shouted", partitions: 2);
        using (var plain = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            foreach (var word in Values("word", 20)) plain.Produce("words", new Message<string, string> { Key = word, Value = word });
            plain.Flush(ClientTimeout);
        }

        using var consumer = _clients.Consumer("shouters", IsolationLevel.ReadCommitted);
        using var producer = _clients.TransactionalProducer("shouter-tx");
        consumer.Subscribe("words");
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + ClientTimeout;
        while (consumed.Count < 20 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) consumed.Add(result);
        }
        Assert.Equal(20, consumed.Count);

        // First attempt: output and offsets aborted together.
        await Transform(consumed, commit: false);
        using (var probe = _clients.Consumer("shouters", IsolationLevel.ReadCommitted))
        {
            Assert.All(probe.Committed(consumer.Assignment, ClientTimeout), offset => Assert.Equal(Offset.Unset, offset.Offset));
        }
        // Second attempt: committed together.
        await Transform(consumed, commit: true);

        var output = _clients.ReadAll("shouted", 2, IsolationLevel.ReadCommitted);
        Assert.Equal(consumed.Select(r => r.Message.Value.ToUpperInvariant()).Order(), output.Select(r => r.Message.Value).Order());
        using (var probe = _clients.Consumer("shouters", IsolationLevel.ReadCommitted))
        {
            var committed = probe.Committed(consumer.Assignment, ClientTimeout);
            var expected = consumed.GroupBy(r => r.TopicPartition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset.Value) + 1);
            Assert.All(committed, offset => Assert.Equal(expected[offset.TopicPartition], offset.Offset.Value));
        }

        async Task Transform(List<ConsumeResult<string, string>> input, bool commit)
        {
            producer.BeginTransaction();
            foreach (var record in input)
                await producer.ProduceAsync("shouted", new Message<string, string> { Key = record.Message.Key, Value = record.Message.Value.ToUpperInvariant() });
            var offsets = input.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1));
            producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, ClientTimeout);
            if (commit) producer.CommitTransaction(ClientTimeout);
            else producer.AbortTransaction(ClientTimeout);
        }
    }

    [Fact]
    public async Task A_second_instance_with_the_same_transactional_id_fences_the_first_and_aborts_its_transaction()
    {
        await _cluster.CreateTopicAsync("fenced", partitions: 1);
        using var zombie = _clients.TransactionalProducer("shared-tx");
        zombie.BeginTransaction();
        await zombie.ProduceAsync("fenced", new Message<string, string> { Key = "zombie", Value = "zombie" });

        using var successor = _clients.TransactionalProducer("shared-tx");
        await ProduceInTransactionAsync(successor, "fenced", ["successor"], commit: true);

        var error = Assert.ThrowsAny<KafkaException>(() => zombie.CommitTransaction(ClientTimeout));
        Assert.True(error.Error.IsFatal, $"Expected a fatal fencing error, got {error.Error}");
        Assert.Equal(["successor"], _clients.ReadAll("fenced", 1, IsolationLevel.ReadCommitted).Select(r => r.Message.Value));
        Assert.Equal(2, _clients.ReadAll("fenced", 1, IsolationLevel.ReadUncommitted).Count);
    }

    [Fact]
    public async Task A_transaction_survives_the_stop_of_its_coordinator_broker()
    {
        await _cluster.CreateTopicAsync("durable", partitions: 3, replicationFactor: 3);
        using var producer = _clients.TransactionalProducer("durable-tx");
        producer.BeginTransaction();
        foreach (var value in Values("before", 6)) await producer.ProduceAsync("durable", new Message<string, string> { Key = value, Value = value });

        await _cluster.StopBrokerAsync(await CoordinatorOfAsync("durable-tx"));
        foreach (var value in Values("after", 6)) await producer.ProduceAsync("durable", new Message<string, string> { Key = value, Value = value });
        producer.CommitTransaction(ClientTimeout);

        Assert.Equal(12, _clients.ReadAll("durable", 3, IsolationLevel.ReadCommitted).Count);
    }

    private async Task<int> CoordinatorOfAsync(string transactionalId)
    {
        var broker = _cluster.Brokers[0];
        using var socket = await RawKafkaSocket.ConnectAsync(broker.Host, broker.Port);
        var response = await RawRequests.RoundTripAsync<FindCoordinatorResponse>(socket,
            new FindCoordinatorRequest { Key = transactionalId, KeyType = 1 }, version: 2);
        return response.NodeId;
    }
}
