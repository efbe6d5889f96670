using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Broker.Faults;
using Tributary.Protocol.Messages;

namespace Tributary.Testing.Tests;

/// <summary>
/// A cluster on a <see cref="ManualClock"/>: session timeouts, retention and transaction timeouts happen exactly
/// when the test advances the clock past them, and not a moment before, however long the test really takes.
/// </summary>
public sealed class ManualClockTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_silent_member_leaves_its_group_exactly_when_the_clock_passes_its_session_timeout()
    {
        var clock = new ManualClock();
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { TimeProvider = clock });
        await cluster.CreateTopicAsync("sessions");
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
               {
                   BootstrapServers = cluster.BootstrapServers, GroupId = "silent", SessionTimeoutMs = 10_000, HeartbeatIntervalMs = 100, FetchWaitMaxMs = 100,
               }).Build())
        {
            consumer.Subscribe("sessions");
            var deadline = DateTime.UtcNow + Timeout;
            while (consumer.Assignment.Count == 0 && DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(100));
            Assert.NotEmpty(consumer.Assignment);
            // The member goes silent as a crashed client does: its leave never reaches the broker.
            cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.LeaveGroup }, RequestRuleAction.Drop, times: null);
            consumer.Close();
        }

        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(1, await MembersAsync(cluster, "silent"));

        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(0, await MembersAsync(cluster, "silent"));
    }

    [Fact]
    public async Task Records_are_deleted_exactly_when_the_clock_passes_their_retention()
    {
        var clock = new ManualClock();
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { TimeProvider = clock, RetentionCheckInterval = TimeSpan.FromSeconds(1) });
        await cluster.CreateTopicAsync("retained", configs: new Dictionary<string, string> { ["retention.ms"] = "60000" });
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 3; i++)
                await producer.ProduceAsync("retained", new Message<Null, string> { Value = $"v{i}", Timestamp = new Timestamp(clock.GetUtcNow()) });
        }
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "watermarks" }).Build();
        var partition = new TopicPartition("retained", 0);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, consumer.QueryWatermarkOffsets(partition, Timeout).Low.Value);

        clock.Advance(TimeSpan.FromSeconds(2));
        var after = consumer.QueryWatermarkOffsets(partition, Timeout);
        Assert.Equal(3, after.Low.Value);
        Assert.Equal(3, after.High.Value);
    }

    [Fact]
    public async Task An_open_transaction_is_aborted_exactly_when_the_clock_passes_its_timeout()
    {
        var clock = new ManualClock();
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { TimeProvider = clock });
        await cluster.CreateTopicAsync("txns");
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers, TransactionalId = "slow-txn", TransactionTimeoutMs = 10_000,
        }).Build();
        producer.InitTransactions(Timeout);

        producer.BeginTransaction();
        await producer.ProduceAsync("txns", new Message<Null, string> { Value = "in-time" });
        clock.Advance(TimeSpan.FromSeconds(9));
        producer.CommitTransaction(Timeout);

        producer.BeginTransaction();
        await producer.ProduceAsync("txns", new Message<Null, string> { Value = "too-late" });
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.ThrowsAny<KafkaException>(() => producer.CommitTransaction(Timeout));

        using (var plain = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            await plain.ProduceAsync("txns", new Message<Null, string> { Value = "end" });
        Assert.Equal(["in-time", "end"], ReadCommittedUntil(cluster, "txns", "end"));
    }

    private static async Task<int> MembersAsync(EmbeddedKafkaCluster cluster, string group)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var described = await admin.DescribeConsumerGroupsAsync([group]);
        return described.ConsumerGroupDescriptions.Single().Members.Count;
    }

    /// <summary>What a read_committed consumer reads from the start up to <paramref name="last"/> (no waiting for an end on a stopped clock).</summary>
    private static List<string> ReadCommittedUntil(EmbeddedKafkaCluster cluster, string topic, string last)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = "committed-reader", IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (values.LastOrDefault() != last && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) values.Add(record.Message.Value);
        }
        return values;
    }
}
