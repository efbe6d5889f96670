using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>The cluster driven by Confluent.Kafka (librdkafka), a client we did not write.</summary>
public class ConfluentClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

    private IProducer<string, string> Producer(Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, EnableIdempotence = true, LingerMs = 0, MessageTimeoutMs = 20_000 };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).Build();
    }

    private IConsumer<string, string> Consumer() => new ConsumerBuilder<string, string>(new ConsumerConfig
    {
        BootstrapServers = _cluster.BootstrapServers,
        GroupId = "readers",
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
    }).Build();

    private List<ConsumeResult<string, string>> ConsumeFromBeginning(string topic, int partitions, int count)
    {
        using var consumer = Consumer();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) results.Add(result);
        }
        return results;
    }

    [Fact]
    public async Task Admin_creates_describes_and_deletes_topics()
    {
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = "orders", NumPartitions = 6, ReplicationFactor = 3,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "1000000" },
        }]);

        var topic = admin.GetMetadata("orders", Timeout).Topics.Single();
        Assert.Equal(6, topic.Partitions.Count);
        Assert.Equal(3, topic.Partitions.Select(p => p.Leader).Distinct().Count());
        Assert.All(topic.Partitions, p => Assert.Equal(3, p.Replicas.Length));

        var configs = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "orders" }])).Single().Entries;
        Assert.Equal("1000000", configs["retention.ms"].Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, configs["retention.ms"].Source);
        Assert.Equal("1048588", configs["max.message.bytes"].Value);
        Assert.Equal(ConfigSource.DefaultConfig, configs["max.message.bytes"].Source);

        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Results.Single().Error.Code);

        await admin.DeleteTopicsAsync(["orders"]);
        // (Asking for the topic by name would auto-create it again, as Kafka does for a producer-type client.)
        Assert.DoesNotContain(admin.GetMetadata(Timeout).Topics, t => t.Topic == "orders");
    }

    [Fact]
    public async Task Records_with_keys_and_headers_come_back_in_order_from_the_beginning()
    {
        await _cluster.CreateTopicAsync("events", partitions: 3, replicationFactor: 2);
        using (var producer = Producer())
        {
            for (var i = 0; i < 90; i++)
            {
                var headers = new Headers { { "seq", Encoding.UTF8.GetBytes(i.ToString()) } };
                producer.Produce("events", new Message<string, string> { Key = $"key-{i % 7}", Value = $"value-{i}", Headers = headers });
            }
            Assert.Equal(0, producer.Flush(Timeout));
        }

        var consumed = ConsumeFromBeginning("events", 3, 90);

        Assert.Equal(90, consumed.Count);
        foreach (var partition in consumed.GroupBy(r => r.Partition.Value))
        {
            var records = partition.ToList();
            var sequence = records.Select(r => int.Parse(Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("seq")))).ToList();
            Assert.Equal(sequence.Order(), sequence);
            Assert.Equal(Enumerable.Range(0, records.Count).Select(o => (long)o), records.Select(r => r.Offset.Value));
            Assert.All(records.Zip(sequence), pair => Assert.Equal($"value-{pair.Second}", pair.First.Message.Value));
        }
        // Keys decide partitions: every key lives in exactly one.
        Assert.All(consumed.GroupBy(r => r.Message.Key), byKey => Assert.Single(byKey.Select(r => r.Partition.Value).Distinct()));
    }

    [Fact]
    public async Task Producing_and_consuming_go_on_while_a_broker_is_stopped()
    {
        await _cluster.CreateTopicAsync("resilient", partitions: 3, replicationFactor: 3);
        using var producer = Producer();
        for (var i = 0; i < 30; i++) await producer.ProduceAsync("resilient", new Message<string, string> { Key = $"{i}", Value = $"before-{i}" });

        await _cluster.StopBrokerAsync(1);
        for (var i = 0; i < 30; i++) await producer.ProduceAsync("resilient", new Message<string, string> { Key = $"{i}", Value = $"during-{i}" });
        Assert.Equal(60, ConsumeFromBeginning("resilient", 3, 60).Count);

        await _cluster.StartBrokerAsync(1);
        for (var i = 0; i < 30; i++) await producer.ProduceAsync("resilient", new Message<string, string> { Key = $"{i}", Value = $"after-{i}" });
        Assert.Equal(90, ConsumeFromBeginning("resilient", 3, 90).Count);
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_creates_it()
    {
        using var producer = Producer();
        var delivered = await producer.ProduceAsync("created-on-demand", new Message<string, string> { Key = "k", Value = "v" });
        Assert.Equal(0, delivered.Offset.Value);
    }

    [Fact]
    public async Task Offsets_for_times_find_the_first_record_at_or_after_a_timestamp()
    {
        await _cluster.CreateTopicAsync("timed");
        var start = DateTime.UtcNow.AddMinutes(-10);
        using (var producer = Producer(config => config.LingerMs = 50))
        {
            for (var i = 0; i < 5; i++)
                producer.Produce("timed", new Message<string, string> { Key = "k", Value = $"{i}", Timestamp = new Timestamp(start.AddSeconds(i)) });
            Assert.Equal(0, producer.Flush(Timeout));
        }

        using var consumer = Consumer();
        var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp("timed", 0, new Timestamp(start.AddMilliseconds(2500)))], Timeout);

        Assert.Equal(3, found.Single().Offset.Value);
    }

    [Fact]
    public async Task Old_batches_leave_by_retention_and_consumers_start_after_them()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { RetentionCheckInterval = TimeSpan.FromMilliseconds(50) });
        // Retention deletes whole segments (as in Kafka): segment.ms makes the fresh record, an hour newer, roll a new one.
        await cluster.CreateTopicAsync("short-lived", configs: new Dictionary<string, string> { ["retention.ms"] = "60000", ["segment.ms"] = "60000" });
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 0 }).Build();
        var old = new Timestamp(DateTime.UtcNow.AddHours(-1));
        for (var i = 0; i < 5; i++) await producer.ProduceAsync("short-lived", new Message<string, string> { Key = "k", Value = $"old-{i}", Timestamp = old });
        await producer.ProduceAsync("short-lived", new Message<string, string> { Key = "k", Value = "fresh" });

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = "readers", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        var partition = new TopicPartition("short-lived", 0);
        var deadline = DateTime.UtcNow + Timeout;
        while (consumer.QueryWatermarkOffsets(partition, Timeout).Low < 5 && DateTime.UtcNow < deadline) await Task.Delay(50);

        var watermarks = consumer.QueryWatermarkOffsets(partition, Timeout);
        Assert.Equal(5, watermarks.Low.Value);
        Assert.Equal(6, watermarks.High.Value);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        Assert.Equal("fresh", consumer.Consume(Timeout)?.Message.Value);
    }
}
