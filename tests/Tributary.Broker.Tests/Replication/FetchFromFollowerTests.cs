using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Cluster;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;
using ProtocolError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Replication;

/// <summary>Three brokers in racks a, b and c with Kafka's rack-aware replica selector, shared by the fetch-from-follower tests.</summary>
public sealed class RackedCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            BrokerConfigs = new Dictionary<string, string>
            {
                ["broker.rack"] = "a,b,c",
                ["replica.selector.class"] = "org.apache.kafka.common.replica.RackAwareReplicaSelector",
            },
        });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Fetch from follower (KIP-392): brokers have racks, the leader names a replica in the consumer's rack as its
/// preferred read replica, and that follower serves the records up to the high watermark it learned from its leader.
/// </summary>
public sealed class FetchFromFollowerTests(RackedCluster fixture) : IClassFixture<RackedCluster>
{
    private const short FetchVersion = 12;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly EmbeddedKafkaCluster _cluster = fixture.Cluster;

    /// <summary>A new RF3 topic; returns its leader and the follower that is not the leader, with its rack.</summary>
    private async Task<(int Leader, BrokerNode Follower)> CreateTopicAsync(string topic)
    {
        await _cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        var partition = admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Single();
        return (partition.Leader, _cluster.Brokers.Single(b => b.Id == partition.Replicas[1]));
    }

    private async Task ProduceAsync(string topic, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();
        for (var i = 0; i < count; i++) producer.Produce(topic, new Message<Null, string> { Value = $"m-{i}" });
        Assert.Equal(0, producer.Flush(Timeout));
    }

    [Fact]
    public async Task A_confluent_consumer_with_client_rack_reads_everything_from_the_follower_in_its_rack()
    {
        const string topic = "ffr-confluent";
        var (leader, follower) = await CreateTopicAsync(topic);
        await ProduceAsync(topic, 500);

        _cluster.Requests.StartRecording();
        var fetchesByBroker = new Dictionary<int, long>();
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "rack-reader",
            ClientRack = follower.Rack,
            EnableAutoCommit = false,
            StatisticsIntervalMs = 100,
        }).SetStatisticsHandler((_, json) => RecordFetches(json, fetchesByBroker)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (values.Count < 500 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) values.Add(record.Message.Value);
        }
        // Records written while the consumer reads from the follower arrive as well.
        await ProduceAsync(topic, 100);
        deadline = DateTime.UtcNow + Timeout;
        while (values.Count < 600 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) values.Add(record.Message.Value);
        }
        // One more statistics report, to count the last fetches.
        consumer.Consume(TimeSpan.FromMilliseconds(300));

        Assert.Equal(Enumerable.Range(0, 500).Concat(Enumerable.Range(0, 100)).Select(i => $"m-{i}"), values);
        // On the brokers' side: the leader named the follower, and the follower answered with records.
        var fetches = _cluster.Requests.GetRecorded().Where(r => r.Response is FetchResponse).ToList();
        _cluster.Requests.StopRecording();
        Assert.Contains(fetches, r => r.BrokerId == leader
            && ((FetchResponse)r.Response!).Responses.SelectMany(t => t.Partitions).Any(p => p.PreferredReadReplica == follower.Id));
        Assert.Contains(fetches, r => r.BrokerId == follower.Id
            && ((FetchResponse)r.Response!).Responses.SelectMany(t => t.Partitions).Any(p => p.Records is { IsEmpty: false }));
        lock (fetchesByBroker)
        {
            Assert.True(fetchesByBroker.GetValueOrDefault(follower.Id) > 0, $"no fetch went to follower {follower.Id}: {string.Join(", ", fetchesByBroker)}");
            // The leader answers the first fetch with the preferred read replica; librdkafka then fetches from the follower.
            Assert.True(fetchesByBroker.GetValueOrDefault(follower.Id) > fetchesByBroker.GetValueOrDefault(leader),
                $"the follower should serve most fetches: {string.Join(", ", fetchesByBroker)}");
        }
    }

    /// <summary>librdkafka's statistics count the requests of each kind sent to each broker.</summary>
    private static void RecordFetches(string json, Dictionary<int, long> fetchesByBroker)
    {
        using var stats = JsonDocument.Parse(json);
        lock (fetchesByBroker)
        {
            foreach (var broker in stats.RootElement.GetProperty("brokers").EnumerateObject())
            {
                var nodeId = broker.Value.GetProperty("nodeid").GetInt32();
                if (nodeId > 0 && broker.Value.GetProperty("req").TryGetProperty("Fetch", out var fetches)) fetchesByBroker[nodeId] = fetches.GetInt64();
            }
        }
    }

    [Fact]
    public async Task The_admin_client_and_metadata_show_every_broker_with_its_rack()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

        var described = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = Timeout });

        Assert.Equal([(1, "a"), (2, "b"), (3, "c")], described.Nodes.OrderBy(n => n.Id).Select(n => (n.Id, n.Rack)));
        Assert.Equal(["a", "b", "c"], _cluster.Brokers.Select(b => b.Rack));
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(socket, new MetadataRequest { Topics = [] }, 12);
        Assert.Equal(["a", "b", "c"], metadata.Brokers.OrderBy(b => b.NodeId).Select(b => b.Rack));
    }

    [Theory]
    [InlineData("broker.rack", "a,b")]
    [InlineData("replica.selector.class", "com.example.MySelector")]
    public async Task A_rack_list_that_does_not_fit_the_brokers_or_an_unknown_selector_is_refused_at_start(string config, string value)
    {
        var options = new EmbeddedKafkaOptions { Brokers = 3, BrokerConfigs = new Dictionary<string, string> { [config] = value } };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(options));

        Assert.Contains(config, refused.Message);
    }

    [Fact]
    public async Task Over_the_wire_the_leader_names_the_follower_in_the_consumers_rack_and_the_follower_serves_up_to_its_high_watermark()
    {
        const string topic = "ffr-raw";
        var (leader, follower) = await CreateTopicAsync(topic);
        await ProduceAsync(topic, 10);

        var redirect = await FetchAsync(leader, topic, 0, follower.Rack!);
        Assert.Equal((short)ProtocolError.None, redirect.ErrorCode);
        Assert.Equal(follower.Id, redirect.PreferredReadReplica);
        Assert.Equal(10, redirect.HighWatermark);
        Assert.True(redirect.Records is null || redirect.Records.Value.IsEmpty);

        // A consumer in the leader's rack, or in no rack, reads from the leader.
        var leaderRack = _cluster.Brokers.Single(b => b.Id == leader).Rack!;
        Assert.Equal(-1, (await FetchAsync(leader, topic, 0, leaderRack)).PreferredReadReplica);
        Assert.Equal(-1, (await FetchAsync(leader, topic, 0, "")).PreferredReadReplica);

        // The follower learns the high watermark from its leader and serves every record below it.
        await Eventually.TrueAsync(() => FetchAsync(follower.Id, topic, 0, follower.Rack!).Result.HighWatermark == 10, "the follower learned the high watermark");
        var served = await FetchAsync(follower.Id, topic, 0, follower.Rack!);
        Assert.Equal((short)ProtocolError.None, served.ErrorCode);
        Assert.Equal(-1, served.PreferredReadReplica);
        Assert.Equal(10, EndOffset(served.Records!.Value));

        // Past the follower's log end: out of range, as Kafka answers (the consumer then asks the leader again).
        Assert.Equal((short)ProtocolError.OffsetOutOfRange, (await FetchAsync(follower.Id, topic, 11, follower.Rack!)).ErrorCode);
        // Fetch before v11 has no follower reads.
        Assert.Equal((short)ProtocolError.NotLeaderOrFollower, (await FetchAsync(follower.Id, topic, 0, follower.Rack!, version: 10)).ErrorCode);
    }

    /// <summary>The offset after the last record of the batches.</summary>
    private static long EndOffset(ReadOnlyMemory<byte> records)
    {
        long end = 0;
        for (var position = 0; position < records.Length;)
        {
            var header = new RecordBatchHeader(records.Span[position..]);
            end = header.LastOffset + 1;
            position += (int)header.TotalSize;
        }
        return end;
    }

    private async Task<FetchResponse.PartitionData> FetchAsync(int brokerId, string topic, long offset, string rack, short version = FetchVersion)
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers.Single(b => b.Id == brokerId).Port);
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            SessionEpoch = -1,
            RackId = rack,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 1 << 20 }] }],
        };
        var response = await RawRequests.RoundTripAsync<FetchResponse>(socket, request, version);
        return response.Responses.Single().Partitions.Single();
    }
}
