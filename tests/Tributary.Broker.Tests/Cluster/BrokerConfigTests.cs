using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Cluster;
using Tributary.Protocol.Messages;
using ConfigSource = Confluent.Kafka.Admin.ConfigSource;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>
/// Broker configs by Kafka name (<see cref="EmbeddedKafkaOptions.BrokerConfigs"/>), as Confluent.Kafka's admin client,
/// producer and consumer see them: described with value, default and source, effective, and the dynamic ones
/// changed at run time by IncrementalAlterConfigs and AlterConfigs while the read-only ones are refused.
/// </summary>
public sealed class BrokerConfigTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;
    private IAdminClient _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            BrokerConfigs = new Dictionary<string, string>
            {
                ["num.partitions"] = "3",
                ["message.max.bytes"] = "2000",
                ["broker.rack"] = "rack-a, rack-b, rack-c",
                ["offsets.topic.num.partitions"] = "1",
                ["group.max.session.timeout.ms"] = "7000",
                ["log.retention.check.interval.ms"] = "50",
            },
        });
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task<Dictionary<string, ConfigEntryResult>> DescribeAsync(ResourceType type, string name) =>
        (await _admin.DescribeConfigsAsync([new ConfigResource { Type = type, Name = name }]))
        .Single().Entries;

    [Fact]
    public async Task A_broker_resource_lists_every_catalog_config_with_its_value_and_source()
    {
        var described = await DescribeAsync(ResourceType.Broker, "2");

        Assert.Equal(BrokerConfigCatalog.All.Select(c => c.Name).Order(), described.Keys.Order());
        Assert.Equal(("3", ConfigSource.StaticBrokerConfig), (described["num.partitions"].Value, described["num.partitions"].Source));
        Assert.Equal(("1", ConfigSource.DefaultConfig), (described["default.replication.factor"].Value, described["default.replication.factor"].Source));
        Assert.Equal(("rack-b", ConfigSource.StaticBrokerConfig), (described["broker.rack"].Value, described["broker.rack"].Source));
        Assert.Equal("2", described["broker.id"].Value);
        Assert.Equal([("message.max.bytes", "2000", ConfigSource.StaticBrokerConfig), ("message.max.bytes", "1048588", ConfigSource.DefaultConfig)],
            described["message.max.bytes"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
        Assert.True(described["num.partitions"].IsReadOnly);
        Assert.False(described["log.retention.ms"].IsReadOnly);
    }

    [Fact]
    public async Task A_resource_type_kafka_does_not_define_fails_the_whole_describe_with_invalid_request()
    {
        // Sarama 1.22 numbers the broker resource 5 (Kafka's is 4); Kafka's authorization step throws on the type, so
        // every resource of the request gets INVALID_REQUEST with the error's standard message.
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = "auto-created" }, new() { ResourceType = 5, ResourceName = "1" }] };

        var response = await RawRequests.RoundTripAsync<DescribeConfigsResponse>(socket, request, 0);

        Assert.Equal([(2, "auto-created"), (5, "1")], response.Results.Select(r => ((int)r.ResourceType, r.ResourceName)));
        Assert.All(response.Results, r =>
        {
            Assert.Equal((short)Protocol.ErrorCode.InvalidRequest, r.ErrorCode);
            Assert.StartsWith("This most likely occurs because of a request being malformed by the client library", r.ErrorMessage, StringComparison.Ordinal);
            Assert.Empty(r.Configs);
        });
    }

    [Fact]
    public async Task Group_and_client_metrics_resources_kafka_defines_are_refused_alone_in_a_describe_and_an_alter()
    {
        // GROUP (32) and CLIENT_METRICS (16) are Kafka's types, so the request goes on; the embedded cluster keeps no
        // configs of them, which that resource alone is told.
        const string topic = "described-beside-a-group";
        await _cluster.CreateTopicAsync(topic, 1);
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);

        var described = await RawRequests.RoundTripAsync<DescribeConfigsResponse>(socket,
            new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = null }, new() { ResourceType = 32, ResourceName = "a-group", ConfigurationKeys = null }] }, 4);
        var altered = await RawRequests.RoundTripAsync<IncrementalAlterConfigsResponse>(socket, new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 16, ResourceName = "metrics", Configs = [new() { Name = "interval.ms", ConfigOperation = 0, Value = "1000" }] }],
        }, 1);

        Assert.Equal((short)Protocol.ErrorCode.None, described.Results[0].ErrorCode);
        Assert.Contains(described.Results[0].Configs, c => c.Name == "retention.ms");
        Assert.Equal(((short)Protocol.ErrorCode.InvalidRequest, "The embedded cluster does not keep configs of resource type 32."),
            (described.Results[1].ErrorCode, described.Results[1].ErrorMessage));
        Assert.Equal(((short)Protocol.ErrorCode.InvalidRequest, "The embedded cluster does not keep configs of resource type 16."),
            (altered.Responses.Single().ErrorCode, altered.Responses.Single().ErrorMessage));
    }

    [Fact]
    public async Task AlterConfigs_refuses_a_resource_type_kafka_does_not_define_broker_logger_and_a_null_value_each_alone_and_alters_the_rest()
    {
        // A KRaft broker's preprocessing (ConfigAdminManager.preprocess) answers each such resource INVALID_REQUEST
        // before authorization and forwards the rest: the request does not fail as a whole.
        const string topic = "alter-preprocessed";
        await _cluster.CreateTopicAsync(topic, 1);
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var request = new AlterConfigsRequest
        {
            Resources =
            [
                new() { ResourceType = 2, ResourceName = topic, Configs = [new() { Name = "retention.ms", Value = "5000" }] },
                new() { ResourceType = 5, ResourceName = "1", Configs = [new() { Name = "log.retention.ms", Value = "5000" }] },
                new() { ResourceType = 8, ResourceName = "1", Configs = [new() { Name = "kafka.server", Value = "DEBUG" }] },
                new() { ResourceType = 2, ResourceName = topic + "-null", Configs = [new() { Name = "retention.ms", Value = null }, new() { Name = "segment.ms", Value = null }] },
            ],
        };

        var response = await RawRequests.RoundTripAsync<AlterConfigsResponse>(socket, request, 0);

        Assert.Equal(
        [
            (2, topic, Protocol.ErrorCode.None, null),
            (5, "1", Protocol.ErrorCode.InvalidRequest, "Unknown resource type 5"),
            (8, "1", Protocol.ErrorCode.InvalidRequest, "Unknown resource type 8"),
            (2, topic + "-null", Protocol.ErrorCode.InvalidRequest, "Null value not supported for : retention.ms, segment.ms"),
        ], response.Responses.Select(r => ((int)r.ResourceType, r.ResourceName, (Protocol.ErrorCode)r.ErrorCode, r.ErrorMessage)));
        Assert.Equal("5000", (await DescribeAsync(ResourceType.Topic, topic))["retention.ms"].Value);
    }

    [Fact]
    public async Task IncrementalAlterConfigs_refuses_an_unknown_resource_type_a_repeated_resource_a_repeated_key_and_a_null_value_each_alone()
    {
        const string topic = "incremental-preprocessed";
        await _cluster.CreateTopicAsync(topic, 1);
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        IncrementalAlterConfigsRequest.AlterableConfig Set(string name, string? value) => new() { Name = name, ConfigOperation = 0, Value = value };
        var request = new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new() { ResourceType = 2, ResourceName = topic, Configs = [Set("retention.ms", "6000"), new() { Name = "segment.ms", ConfigOperation = 1, Value = null }] },
                new() { ResourceType = 5, ResourceName = "1", Configs = [Set("log.retention.ms", "6000")] },
                new() { ResourceType = 2, ResourceName = "twice", Configs = [Set("retention.ms", "1")] },
                new() { ResourceType = 2, ResourceName = "twice", Configs = [Set("segment.ms", "1")] },
                new() { ResourceType = 2, ResourceName = "keys", Configs = [Set("retention.ms", "1"), Set("retention.ms", "2")] },
                new() { ResourceType = 2, ResourceName = "null", Configs = [Set("retention.ms", null)] },
            ],
        };

        var response = await RawRequests.RoundTripAsync<IncrementalAlterConfigsResponse>(socket, request, 0);

        Assert.Equal(
        [
            (2, topic, Protocol.ErrorCode.None, null),
            (5, "1", Protocol.ErrorCode.InvalidRequest, "Unknown resource type 5"),
            (2, "twice", Protocol.ErrorCode.InvalidRequest, "Each resource must appear at most once."),
            (2, "twice", Protocol.ErrorCode.InvalidRequest, "Each resource must appear at most once."),
            (2, "keys", Protocol.ErrorCode.InvalidRequest, "Error due to duplicate config keys"),
            (2, "null", Protocol.ErrorCode.InvalidRequest, "Null value not supported for : retention.ms"),
        ], response.Responses.Select(r => ((int)r.ResourceType, r.ResourceName, (Protocol.ErrorCode)r.ErrorCode, r.ErrorMessage)));
        Assert.Equal("6000", (await DescribeAsync(ResourceType.Topic, topic))["retention.ms"].Value);
    }

    [Fact]
    public async Task Static_configs_take_effect_for_clients()
    {
        var cluster = await _admin.DescribeClusterAsync();
        Assert.Equal(["rack-a", "rack-b", "rack-c"], cluster.Nodes.OrderBy(n => n.Id).Select(n => n.Rack));

        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, MessageTimeoutMs = 10000 }).Build();
        await producer.ProduceAsync("auto-created", new Message<Null, byte[]> { Value = new byte[10] });
        Assert.Equal(3, _admin.GetMetadata("auto-created", Timeout).Topics.Single().Partitions.Count);
        var tooLarge = await Assert.ThrowsAsync<ProduceException<Null, byte[]>>(() => producer.ProduceAsync("auto-created", new Message<Null, byte[]> { Value = new byte[5000] }));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, tooLarge.Error.Code);

        // offsets.topic.num.partitions=1: every group has the same coordinator.
        var groups = Enumerable.Range(0, 6).Select(i => $"coordinated-{i}").ToList();
        var described = await _admin.DescribeConsumerGroupsAsync(groups);
        Assert.Single(described.ConsumerGroupDescriptions.Select(g => g.Coordinator.Id).Distinct());
    }

    [Fact]
    public async Task A_session_timeout_above_group_max_session_timeout_is_refused_to_the_member()
    {
        await _cluster.CreateTopicAsync("sessions");
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, GroupId = "long-sessions", SessionTimeoutMs = 10000,
        }).Build();
        consumer.Subscribe("sessions");
        ConsumeException? refused = null;

        await Eventually.TrueAsync(() =>
        {
            try
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e)
            {
                refused = e;
            }
            return refused is not null;
        }, "the member is told its session timeout is invalid");

        Assert.Equal(ErrorCode.InvalidSessionTimeout, refused!.Error.Code);
    }

    [Fact]
    public async Task A_dynamic_config_set_on_a_broker_changes_the_broker_and_topic_configs_and_deleting_it_restores_them()
    {
        await _cluster.CreateTopicAsync("retained", partitions: 1);
        var old = DateTime.UtcNow.AddHours(-2);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 3; i++)
                await producer.ProduceAsync("retained", new Message<Null, string> { Value = "old", Timestamp = new Timestamp(old) });
        }
        // librdkafka cannot name the cluster-default resource (the empty name): it sets a broker's config, which the
        // embedded brokers share.
        var brokerOne = new ConfigResource { Type = ResourceType.Broker, Name = "1" };

        await _admin.IncrementalAlterConfigsAsync(Change(brokerOne, "log.retention.ms", "3600000", AlterConfigOpType.Set));

        var broker = await DescribeAsync(ResourceType.Broker, "2");
        Assert.Equal(("3600000", ConfigSource.DynamicBrokerConfig), (broker["log.retention.ms"].Value, broker["log.retention.ms"].Source));
        Assert.Equal([ConfigSource.DynamicBrokerConfig, ConfigSource.DefaultConfig], broker["log.retention.ms"].Synonyms.Select(s => s.Source));
        var topic = await DescribeAsync(ResourceType.Topic, "retained");
        Assert.Equal(("3600000", ConfigSource.DynamicBrokerConfig), (topic["retention.ms"].Value, topic["retention.ms"].Source));
        // The records two hours old are now past retention: the log starts after them.
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "unused" }).Build();
        await Eventually.TrueAsync(() => reader.QueryWatermarkOffsets(new TopicPartition("retained", 0), Timeout).Low == 3, "the old records are deleted");

        await _admin.IncrementalAlterConfigsAsync(Change(brokerOne, "log.retention.ms", "", AlterConfigOpType.Delete));

        Assert.Equal(ConfigSource.DefaultConfig, (await DescribeAsync(ResourceType.Topic, "retained"))["retention.ms"].Source);
        Assert.Equal(ConfigSource.DefaultConfig, (await DescribeAsync(ResourceType.Broker, "3"))["log.retention.ms"].Source);
    }

    [Fact]
    public async Task Legacy_alter_configs_replaces_the_whole_set_of_dynamic_broker_configs()
    {
        var brokerTwo = new ConfigResource { Type = ResourceType.Broker, Name = "2" };
        await _admin.IncrementalAlterConfigsAsync(Change(brokerTwo, "min.insync.replicas", "2", AlterConfigOpType.Set));

#pragma warning disable CS0618 // AlterConfigs is deprecated in the client, still answered by Kafka.
        await _admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [brokerTwo] = [new ConfigEntry { Name = "log.retention.bytes", Value = "1000000" }],
        });
        var described = await DescribeAsync(ResourceType.Broker, "2");
        await _admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>> { [brokerTwo] = [] });
#pragma warning restore CS0618

        Assert.Equal(("1000000", ConfigSource.DynamicBrokerConfig), (described["log.retention.bytes"].Value, described["log.retention.bytes"].Source));
        Assert.Equal(ConfigSource.DefaultConfig, described["min.insync.replicas"].Source);
    }

    [Theory]
    [InlineData("1", "num.partitions", "5", "Cannot update these configs dynamically: Set(num.partitions)")]
    [InlineData("2", "log.retention.ms", "-5", "Invalid value -5 for configuration log.retention.ms")]
    [InlineData("3", "no.such.config", "1", "Unknown broker config 'no.such.config'")]
    [InlineData("1", "message.max.bytes", "big", "Invalid value big for configuration message.max.bytes")]
    [InlineData("1", "broker.rack", "x", "Cannot update these configs dynamically: Set(broker.rack)")]
    public async Task Configs_that_cannot_change_at_run_time_are_refused_with_invalid_request(string resource, string name, string value, string message)
    {
        var error = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() =>
            _admin.IncrementalAlterConfigsAsync(Change(new ConfigResource { Type = ResourceType.Broker, Name = resource }, name, value, AlterConfigOpType.Set)));

        var result = error.Results.Single();
        Assert.Equal(ErrorCode.InvalidRequest, result.Error.Code);
        Assert.Contains(message, result.Error.Reason);
    }

    [Theory]
    [InlineData("no.such.config", "1", "Unknown broker config 'no.such.config'")]
    [InlineData("num.partitions", "0", "Invalid value 0 for configuration num.partitions: Value must be at least 1")]
    [InlineData("auto.create.topics.enable", "yes", "Invalid value yes for configuration auto.create.topics.enable")]
    [InlineData("broker.id", "7", "Broker config 'broker.id' is decided by the cluster's options")]
    [InlineData("broker.rack", "a,b", "broker.rack lists 2 racks for 3 brokers")]
    [InlineData("group.min.session.timeout.ms", "2000000", "group.min.session.timeout.ms must not be above group.max.session.timeout.ms")]
    public async Task A_bad_broker_config_stops_the_cluster_from_starting_with_one_clear_message(string name, string value, string message)
    {
        var options = new EmbeddedKafkaOptions { Brokers = 3, BrokerConfigs = new Dictionary<string, string> { [name] = value } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(options));

        Assert.StartsWith(message, error.Message);
    }

    private static Dictionary<ConfigResource, List<ConfigEntry>> Change(ConfigResource resource, string name, string value, AlterConfigOpType operation) =>
        new() { [resource] = [new ConfigEntry { Name = name, Value = value, IncrementalOperation = operation }] };
}
