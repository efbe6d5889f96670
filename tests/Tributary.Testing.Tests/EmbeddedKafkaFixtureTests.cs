using Confluent.Kafka;

namespace Tributary.Testing.Tests;

[Collection(KafkaCollection.Name)]
public sealed class EmbeddedKafkaFixtureTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public void The_cluster_has_three_brokers()
    {
        Assert.Equal(3, kafka.Cluster.Brokers.Count);
        Assert.Equal(3, kafka.BootstrapServers.Split(',').Length);
    }

    [Fact]
    public void Unique_names_differ_and_keep_their_prefix()
    {
        var names = Enumerable.Range(0, 100).Select(_ => EmbeddedKafkaFixture.UniqueName("orders")).ToList();

        Assert.Equal(100, names.Distinct().Count());
        Assert.All(names, name => Assert.StartsWith("orders-", name));
    }

    [Fact]
    public async Task Created_topics_have_the_asked_partitions_and_replicas()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 4, replicationFactor: 3);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
        Assert.Equal(4, metadata.Partitions.Count);
        Assert.All(metadata.Partitions, p => Assert.Equal(3, p.Replicas.Length));
    }

    [Fact]
    public async Task Produced_records_are_consumed_back()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3);

        var delivered = await kafka.ProduceAsync(topic, 30);
        var consumed = await kafka.ConsumeAsync(topic, 30);

        Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"key-{i}:value-{i}").Order(), consumed.Select(r => $"{r.Message.Key}:{r.Message.Value}").Order());
    }

    [Fact]
    public async Task Consuming_more_than_there_is_times_out_with_a_count()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 2);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => kafka.ConsumeAsync(topic, 3, timeout: TimeSpan.FromSeconds(5)));

        Assert.Contains("Read 2 of 3", error.Message);
        Assert.Contains("without a consumer group", error.Message);
        Assert.Contains("the partitions hold 2 records now", error.Message); // written but not read, or never written: the message says which
    }

    [Fact]
    public async Task Read_committed_skips_aborted_transactions()
    {
        var topic = await kafka.CreateTopicAsync();
        var config = kafka.ProducerConfig();
        config.TransactionalId = EmbeddedKafkaFixture.UniqueName("tx");
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(10));
            producer.BeginTransaction();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "aborted" });
            producer.AbortTransaction();
            producer.BeginTransaction();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "committed" });
            producer.CommitTransaction();
        }

        var records = await kafka.ConsumeAsync(topic, 1, IsolationLevel.ReadCommitted);

        Assert.Equal("committed", Assert.Single(records).Message.Value);
    }

    [Fact]
    public async Task Waiting_for_zero_lag_ends_when_the_group_has_committed_the_end_offsets()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var group = EmbeddedKafkaFixture.UniqueName("group");
        var delivered = await kafka.ProduceAsync(topic, 10);
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build();

        var waiting = kafka.WaitForZeroLagAsync(group, topic);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        consumer.Commit(delivered.GroupBy(d => d.TopicPartition).Select(p => new TopicPartitionOffset(p.Key, p.Max(d => d.Offset.Value) + 1)));

        await waiting;
    }

    [Fact]
    public async Task Waiting_for_zero_lag_times_out_naming_the_lagging_partitions()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 3);

        // Long enough for a first answer on a busy machine: the message names the lag only once the cluster answered.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => kafka.WaitForZeroLagAsync("nobody", topic, TimeSpan.FromSeconds(5)));

        Assert.Contains("[0] 3", error.Message);
    }
}
