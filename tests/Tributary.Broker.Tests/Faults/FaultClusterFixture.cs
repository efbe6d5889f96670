using Confluent.Kafka;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Faults;

/// <summary>
/// One three-broker cluster for the fault tests of a class, with short timeouts (a follower leaves the ISR after
/// 500 ms without catching up; an isolated broker is fenced after 1.5 s). Each test uses topics and groups of its
/// own, and every fault is cleared after each test (<see cref="ResetAsync"/>).
/// </summary>
public sealed class FaultClusterFixture : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Brokers = 3,
        ReplicaLagTimeMax = TimeSpan.FromMilliseconds(500),
        BrokerSessionTimeout = TimeSpan.FromMilliseconds(1500),
        GroupInitialRebalanceDelay = TimeSpan.Zero,
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Heals every broker, restarts stopped ones, removes every rule and stops recording.</summary>
    public async Task ResetAsync()
    {
        Cluster.Network.HealAll();
        Cluster.Requests.ClearRules();
        Cluster.Requests.StopRecording();
        Cluster.Faults.Clear();
        foreach (var broker in Cluster.Brokers) await Cluster.StartBrokerAsync(broker.Id);
    }

    /// <summary>A topic name no other test uses.</summary>
    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>A Confluent.Kafka producer that retries for up to <paramref name="messageTimeoutMs"/> and refreshes metadata often.</summary>
    public IProducer<string, string> Producer(int messageTimeoutMs = 30_000, int requestTimeoutMs = 5_000, string? clientId = null) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            ClientId = clientId ?? "fault-producer",
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 0,
            MessageTimeoutMs = messageTimeoutMs,
            RequestTimeoutMs = requestTimeoutMs,
            SocketTimeoutMs = Math.Max(requestTimeoutMs, 10),
            TopicMetadataRefreshIntervalMs = 500,
            RetryBackoffMs = 50,
            RetryBackoffMaxMs = 200,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 200,
        }).Build();

    /// <summary>Produces one record and waits for its acknowledgement.</summary>
    public static async Task<DeliveryResult<string, string>> ProduceAsync(IProducer<string, string> producer, string topic, string value)
    {
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = value });
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        return delivered;
    }

    /// <summary>The values of partition 0 of <paramref name="topic"/> from the start, once <paramref name="expected"/> have arrived.</summary>
    public List<string> ReadAll(string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            GroupId = NewName("reader"),
            EnableAutoCommit = false,
            TopicMetadataRefreshIntervalMs = 500,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Eventually.Patience;
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record) values.Add(record.Message.Value);
        }
        return values;
    }
}

/// <summary>A test class on the shared <see cref="FaultClusterFixture"/>: every fault is cleared after each test.</summary>
public abstract class FaultClusterTests(FaultClusterFixture fixture) : IClassFixture<FaultClusterFixture>, IAsyncLifetime
{
    protected FaultClusterFixture Fixture => fixture;

    protected EmbeddedKafkaCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.ResetAsync();

    /// <summary>Partition 0 of <paramref name="topic"/> as metadata shows it (leader, replicas, ISR).</summary>
    protected PartitionMetadata Metadata(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Single();
    }

    /// <summary>A consumer of group <paramref name="groupId"/> that commits by hand and heartbeats often.</summary>
    protected IConsumer<string, string> Consumer(string groupId) => new ConsumerBuilder<string, string>(new ConsumerConfig
    {
        BootstrapServers = Cluster.BootstrapServers,
        GroupId = groupId,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        TopicMetadataRefreshIntervalMs = 500,
        // librdkafka drops its member id when no heartbeat succeeds for a session (it did after 10 s of finding a
        // moved or crashed coordinator on a loaded CI machine), and its next commit is then UNKNOWN_MEMBER_ID.
        SessionTimeoutMs = 30_000,
        HeartbeatIntervalMs = 200,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 200,
    }).Build();

    /// <summary>A transactional producer that refreshes metadata and reconnects quickly, initialized and in a transaction.</summary>
    protected IProducer<string, string> TransactionalProducer(string transactionalId)
    {
        var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            TransactionalId = transactionalId,
            TopicMetadataRefreshIntervalMs = 500,
            RetryBackoffMs = 50,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 200,
        }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        return producer;
    }

    /// <summary>
    /// A group that has consumed and committed the first of four records of a new three-replica topic: the topic and
    /// the group's consumer, subscribed and stable.
    /// </summary>
    protected async Task<(string Topic, IConsumer<string, string> Consumer)> CommittingGroupAsync(string group)
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        using (var producer = Fixture.Producer())
        {
            for (var i = 0; i < 4; i++) await FaultClusterFixture.ProduceAsync(producer, topic, $"v{i}");
        }
        var consumer = Consumer(group);
        consumer.Subscribe(topic);
        consumer.Commit(ConsumeOne(consumer));
        return (topic, consumer);
    }

    /// <summary>The next record, waiting up to <see cref="Eventually.Patience"/>.</summary>
    protected static ConsumeResult<string, string> ConsumeOne(IConsumer<string, string> consumer)
    {
        var deadline = DateTime.UtcNow + Eventually.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record) return record;
        }
        throw new TimeoutException("No record arrived.");
    }

    /// <summary>
    /// Whether <paramref name="brokerId"/> has answered a heartbeat of <paramref name="group"/> without error since
    /// recording started: the group's consumer found that broker as its coordinator.
    /// </summary>
    /// <remarks>
    /// Tests that move a coordinator wait for this before committing. A commit that meets the old coordinator
    /// (NOT_COORDINATOR, or a dropped connection) is queued for retry on librdkafka's coordinator connection, which fails
    /// it again with a transport error each time it reconnects to the coordinator it found, and so forgets that
    /// coordinator again (confluentinc/librdkafka#3645); no heartbeat goes through meanwhile, and once that went on for
    /// the member's session the commit came back UNKNOWN_MEMBER_ID. A consumer that finds its coordinator through a
    /// heartbeat has no request waiting, and commits at once.
    /// </remarks>
    protected bool HeartbeatSucceededAt(string group, int brokerId) =>
        Cluster.Requests.GetRecorded().Any(r => r.BrokerId == brokerId && r.Request is HeartbeatRequest heartbeat && heartbeat.GroupId == group
                                                && r.Response is HeartbeatResponse { ErrorCode: 0 });

    /// <summary>A new one-partition topic with replicas on <paramref name="replicationFactor"/> brokers.</summary>
    protected async Task<string> NewTopicAsync(short replicationFactor)
    {
        var topic = FaultClusterFixture.NewName("faults");
        await Cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor);
        return topic;
    }
}
