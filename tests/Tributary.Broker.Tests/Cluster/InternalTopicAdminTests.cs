using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Cluster;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>
/// What an admin client hears when it manages Kafka's internal topics, as from a KRaft cluster (3.7+/4.x): their names
/// cannot be created again, the metadata log's name not at all; configs may be changed; DeleteRecords is refused; and
/// deleting them or adding partitions is allowed (Kafka's brokers do not stop it; only its command-line tools warn),
/// without breaking the coordinators.
/// </summary>
public sealed class InternalTopicAdminTests : IAsyncLifetime
{
    private const string Offsets = "__consumer_offsets";
    private const string TransactionState = "__transaction_state";
    private EmbeddedKafkaCluster _cluster = null!;
    private IAdminClient _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            BrokerConfigs = new Dictionary<string, string> { ["offsets.topic.num.partitions"] = "3", ["transaction.state.log.num.partitions"] = "3" },
        });
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        // The coordinators create their topics on first use.
        _cluster.GetGroupCoordinator("any");
        _cluster.GetTransactionCoordinator("any");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task<ErrorCode> CreateAsync(string name)
    {
        try
        {
            await _admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = 1, ReplicationFactor = 1 }]);
            return ErrorCode.NoError;
        }
        catch (CreateTopicsException e)
        {
            return e.Results.Single().Error.Code;
        }
    }

    [Fact]
    public async Task Creating_an_internal_topic_that_exists_is_TOPIC_ALREADY_EXISTS_and_the_metadata_log_INVALID_REQUEST()
    {
        Assert.Equal(ErrorCode.TopicAlreadyExists, await CreateAsync(Offsets));
        Assert.Equal(ErrorCode.TopicAlreadyExists, await CreateAsync(TransactionState));
        Assert.Equal(ErrorCode.InvalidRequest, await CreateAsync("__cluster_metadata"));
    }

    [Fact]
    public async Task Configs_of_internal_topics_can_be_changed()
    {
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = TransactionState };
        await _admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "segment.bytes", Value = "10485760", IncrementalOperation = AlterConfigOpType.Set }],
        });
        var described = await _admin.DescribeConfigsAsync([resource]);
        Assert.Equal("10485760", described.Single().Entries["segment.bytes"].Value);
        Assert.Equal("compact", described.Single().Entries["cleanup.policy"].Value);
    }

    [Fact]
    public async Task DeleteRecords_on_an_internal_topic_is_INVALID_TOPIC_EXCEPTION()
    {
        var e = await Assert.ThrowsAsync<DeleteRecordsException>(() => _admin.DeleteRecordsAsync([new TopicPartitionOffset(Offsets, 0, 0)]));
        Assert.Equal(ErrorCode.TopicException, e.Results.Single().Error.Code);
    }

    private long EndOf(string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "watermarks" }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
    }

    private void Commit(string groupId, long offset)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = groupId }).Build();
        consumer.Commit([new TopicPartitionOffset("data", 0, offset)]);
    }

    [Fact]
    public async Task Partitions_added_to_consumer_offsets_are_allowed_and_groups_stay_in_the_partition_they_had()
    {
        await _cluster.CreateTopicAsync("data");
        // A group that 4 partitions would place elsewhere than 3 do.
        var groupId = Enumerable.Range(0, 100).Select(i => $"group-{i}").First(id => CoordinatorPlacement.PartitionFor(id, 3) != CoordinatorPlacement.PartitionFor(id, 4));
        var partition = CoordinatorPlacement.PartitionFor(groupId, 3);
        Commit(groupId, 1);

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = Offsets, IncreaseTo = 4 }]);
        Assert.Equal(4, _cluster.DescribeTopics().Single(t => t.Name == Offsets).Partitions.Count);
        var before = EndOf(Offsets, partition);
        Commit(groupId, 2);

        Assert.Equal(before + 1, EndOf(Offsets, partition));
        Assert.Equal(0, EndOf(Offsets, 3));
    }

    [Fact]
    public async Task Deleting_an_internal_topic_is_allowed_and_its_coordinator_creates_it_again_on_next_use()
    {
        await _cluster.CreateTopicAsync("data");
        await _admin.DeleteTopicsAsync([TransactionState]);
        Assert.DoesNotContain(_cluster.DescribeTopics(), t => t.Name == TransactionState);

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, TransactionalId = "after-delete", TransactionTimeoutMs = 10_000,
        }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        producer.BeginTransaction();
        await producer.ProduceAsync("data", new Message<string, string> { Key = "k", Value = "v" });
        producer.CommitTransaction(TimeSpan.FromSeconds(20));
        Assert.Contains(_cluster.DescribeTopics(), t => t.Name == TransactionState);
    }
}
