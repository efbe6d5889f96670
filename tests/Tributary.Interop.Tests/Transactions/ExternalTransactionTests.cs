using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Transactions;

/// <summary>
/// Transactions from clients we did not write: kafkajs commits and aborts (and reads back read_committed),
/// confluent-kafka-python runs consume-transform-produce with send_offsets_to_transaction.
/// </summary>
public class ExternalTransactionTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Kafkajs_commits_and_aborts_and_its_read_committed_consumer_skips_the_aborted_records()
    {
        await _cluster.CreateTopicAsync("kafkajs-tx", partitions: 3, replicationFactor: 2);

        var result = await ExternalClient.RunJsonAsync("node", ["node/kafkajs-transactions.js", "--bootstrap", _cluster.BootstrapServers,
            "--topic", "kafkajs-tx", "--transactional-id", "kafkajs-tx-id", "--group", "kafkajs-tx-readers", "--committed", "10", "--aborted", "5"], Timeout);

        var committed = Enumerable.Range(0, 10).Select(i => $"committed-{i}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(committed, result.GetProperty("readCommitted").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(committed, CommittedReader.ReadAll(_cluster.BootstrapServers, "kafkajs-tx", 3, IsolationLevel.ReadCommitted).Order(StringComparer.Ordinal));
        Assert.Equal(15, CommittedReader.ReadAll(_cluster.BootstrapServers, "kafkajs-tx", 3, IsolationLevel.ReadUncommitted).Count);
    }

    [Fact]
    public async Task Confluent_kafka_python_sends_offsets_to_its_transaction_and_they_commit_with_the_output()
    {
        await _cluster.CreateTopicAsync("py-in", partitions: 2, replicationFactor: 2);
        await _cluster.CreateTopicAsync("py-out", partitions: 2, replicationFactor: 2);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 12; i++) producer.Produce(new TopicPartition("py-in", i % 2), new Message<string, string> { Key = $"k{i}", Value = $"word-{i}" });
            producer.Flush(Timeout);
        }

        var result = await ExternalClient.RunJsonAsync("/usr/bin/python3", ["python/confluent_transactions.py", "--bootstrap", _cluster.BootstrapServers,
            "--input", "py-in", "--output", "py-out", "--group", "py-shouters", "--transactional-id", "py-tx", "--count", "12"], Timeout);

        Assert.Equal(12, result.GetProperty("consumed").GetInt32());
        Assert.Equal(6, result.GetProperty("committed").GetProperty("py-in/0").GetInt64());
        Assert.Equal(6, result.GetProperty("committed").GetProperty("py-in/1").GetInt64());
        var expected = Enumerable.Range(0, 12).Select(i => $"WORD-{i}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, CommittedReader.ReadAll(_cluster.BootstrapServers, "py-out", 2, IsolationLevel.ReadCommitted).Order(StringComparer.Ordinal));
        // The aborted round is in the log too, for those who read uncommitted.
        Assert.Equal(24, CommittedReader.ReadAll(_cluster.BootstrapServers, "py-out", 2, IsolationLevel.ReadUncommitted).Count);
    }
}
