using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Every advertised version of every core API is answered: a field set in a version that lacks it would make the
/// encoder throw and the connection close, which old clients (kafka-python, kafkajs) would hit first.
/// </summary>
public class EveryVersionTests : IAsyncLifetime
{
    private EmbeddedKafkaCluster _cluster = null!;
    private Guid _topicId;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync();
        await _cluster.CreateTopicAsync("t", partitions: 2);
        using var socket = await ConnectAsync();
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(socket, new MetadataRequest { Topics = [new() { Name = "t" }] }, 12);
        _topicId = metadata.Topics.Single().TopicId;
        var produce = new ProduceRequest { Acks = 1, TopicData = [new() { Name = "t", PartitionData = [new() { Index = 0, Records = TestBatches.Create(3) }] }] };
        await RawRequests.RoundTripAsync<ProduceResponse>(socket, produce, 9);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<RawKafkaSocket> ConnectAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);

    /// <summary>A typical request of each core API in version v (names made unique per version where the request changes state).</summary>
    private IKafkaRequest Request(ApiKey api, short v) => api switch
    {
        ApiKey.Produce => new ProduceRequest { Acks = -1, TimeoutMs = 1000, TopicData = [new() { Name = "t", PartitionData = [new() { Index = 1, Records = TestBatches.Create(2) }] }] },
        ApiKey.Fetch => new FetchRequest
        {
            MaxWaitMs = 0, MinBytes = 1, IsolationLevel = (sbyte)(v >= 4 ? 1 : 0),
            Topics = [v >= 13
                ? new() { TopicId = _topicId, Partitions = [new() { Partition = 0, FetchOffset = 1, PartitionMaxBytes = 1 << 20 }] }
                : new() { Topic = "t", Partitions = [new() { Partition = 0, FetchOffset = 1, PartitionMaxBytes = 1 << 20 }] }],
        },
        ApiKey.ListOffsets => new ListOffsetsRequest { ReplicaId = -1, Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }, new() { PartitionIndex = 0, Timestamp = 0 }] }] },
        ApiKey.Metadata => new MetadataRequest { Topics = [new() { Name = "t" }, new() { Name = $"auto-{v}" }] },
        ApiKey.FindCoordinator => v >= 4 ? new FindCoordinatorRequest { CoordinatorKeys = ["g1", "g2"] } : new FindCoordinatorRequest { Key = "g1" },
        ApiKey.CreateTopics => new CreateTopicsRequest { Topics = [new() { Name = $"created-{v}", NumPartitions = 1, ReplicationFactor = 1, Configs = [new() { Name = "retention.ms", Value = "1000" }] }] },
        ApiKey.DeleteTopics => v >= 6 ? new DeleteTopicsRequest { Topics = [new() { Name = "nope" }, new() { TopicId = Guid.NewGuid() }] } : new DeleteTopicsRequest { TopicNames = ["nope"] },
        ApiKey.DeleteRecords => new DeleteRecordsRequest { Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Offset = 0 }] }] },
        ApiKey.InitProducerId => new InitProducerIdRequest { TransactionalId = null },
        ApiKey.OffsetForLeaderEpoch => new OffsetForLeaderEpochRequest { Topics = [new() { Topic = "t", Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] }] },
        ApiKey.DescribeConfigs => new DescribeConfigsRequest
        {
            IncludeSynonyms = v >= 1, IncludeDocumentation = v >= 3,
            Resources = [new() { ResourceType = 2, ResourceName = "t", ConfigurationKeys = null }, new() { ResourceType = 4, ResourceName = "1", ConfigurationKeys = null }],
        },
        ApiKey.AlterConfigs => new AlterConfigsRequest { ValidateOnly = true, Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "retention.ms", Value = "5000" }] }] },
        ApiKey.CreatePartitions => new CreatePartitionsRequest { ValidateOnly = true, Topics = [new() { Name = "t", Count = 3, Assignments = null }] },
        ApiKey.IncrementalAlterConfigs => new IncrementalAlterConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "cleanup.policy", ConfigOperation = 2, Value = "compact" }] }] },
        ApiKey.DescribeCluster => new DescribeClusterRequest(),
        ApiKey.DescribeLogDirs => new DescribeLogDirsRequest { Topics = v % 2 == 0 ? null : [new() { Topic = "t", Partitions = [0, 1] }] },
        ApiKey.ApiVersions => RawRequests.ApiVersions(),
        _ => throw new ArgumentOutOfRangeException(nameof(api)),
    };

    public static TheoryData<ApiKey> CoreApis() =>
    [
        ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.FindCoordinator, ApiKey.CreateTopics,
        ApiKey.DeleteTopics, ApiKey.DeleteRecords, ApiKey.InitProducerId, ApiKey.OffsetForLeaderEpoch, ApiKey.DescribeConfigs,
        ApiKey.AlterConfigs, ApiKey.CreatePartitions, ApiKey.IncrementalAlterConfigs, ApiKey.DescribeCluster, ApiKey.ApiVersions,
        ApiKey.DescribeLogDirs,
    ];

    [Theory]
    [MemberData(nameof(CoreApis))]
    public async Task Every_advertised_version_is_answered(ApiKey api)
    {
        using var socket = await ConnectAsync();
        var advertised = (await RawRequests.RoundTripAsync<ApiVersionsResponse>(socket, new ApiVersionsRequest(), 0)).ApiKeys.Single(k => k.ApiKey == (short)api);
        for (var version = advertised.MinVersion; version <= advertised.MaxVersion; version++)
        {
            var request = Request(api, version);
            await socket.SendFrameAsync(RawRequests.Encode(request, version));
            var frame = await socket.ReadFrameAsync();
            Assert.True(frame is not null, $"{api} v{version}: the broker closed the connection");
            Assert.IsAssignableFrom<IKafkaResponse>(RawRequests.Decode<IKafkaResponse>(frame!, api, version));
        }
    }
}
