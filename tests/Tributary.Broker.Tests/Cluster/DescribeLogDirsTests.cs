using Confluent.Kafka;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>One three-broker cluster in memory for the DescribeLogDirs tests: topic ld-a (3 partitions, 2 replicas each) with records in partition 0.</summary>
public sealed class DescribeLogDirsCluster : IAsyncLifetime
{
    public const string Topic = "ld-a";

    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await Cluster.CreateTopicAsync(Topic, partitions: 3, replicationFactor: 2);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Cluster.BootstrapServers, Acks = Acks.All, LingerMs = 0 }).Build();
        for (var i = 0; i < 10; i++) await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<string, string> { Key = $"k{i}", Value = $"value {i}" });
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// DescribeLogDirs over the wire, as Kafka's broker answers it (kafka-log-dirs.sh, admin clients' describeLogDirs):
/// one directory per broker with the replicas it holds and their sizes; named partitions it does not hold are left out.
/// </summary>
public sealed class DescribeLogDirsTests(DescribeLogDirsCluster fixture) : IClassFixture<DescribeLogDirsCluster>
{
    private const short Version = 4;

    private static async Task<DescribeLogDirsResponse> DescribeAsync(EmbeddedKafkaCluster cluster, int brokerIndex, List<DescribeLogDirsRequest.DescribableLogDirTopic>? topics)
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers[brokerIndex].Port);
        return await RawRequests.RoundTripAsync<DescribeLogDirsResponse>(socket, new DescribeLogDirsRequest { Topics = topics }, Version);
    }

    [Fact]
    public async Task Each_broker_describes_its_one_directory_with_the_replicas_it_holds_and_their_sizes()
    {
        var holders = new Dictionary<int, List<int>>();
        for (var b = 0; b < 3; b++)
        {
            var response = await DescribeAsync(fixture.Cluster, b, topics: null);

            Assert.Equal(0, response.ErrorCode);
            var directory = Assert.Single(response.Results);
            Assert.Equal(0, directory.ErrorCode);
            Assert.Equal($"memory://broker-{fixture.Cluster.Brokers[b].Id}", directory.LogDir);
            Assert.Equal(-1, directory.TotalBytes);
            Assert.Equal(-1, directory.UsableBytes);
            foreach (var partition in directory.Topics.Single(t => t.Name == DescribeLogDirsCluster.Topic).Partitions)
            {
                (holders.TryGetValue(partition.PartitionIndex, out var list) ? list : holders[partition.PartitionIndex] = []).Add(b);
                Assert.Equal(0, partition.OffsetLag);
                Assert.False(partition.IsFutureKey);
                if (partition.PartitionIndex == 0) Assert.True(partition.PartitionSize > 0, "partition 0 holds ten records");
                else Assert.Equal(0, partition.PartitionSize);
            }
        }
        Assert.Equal([0, 1, 2], holders.Keys.Order());
        Assert.All(holders.Values, brokers => Assert.Equal(2, brokers.Count));
    }

    [Fact]
    public async Task Named_partitions_that_the_broker_holds_no_replica_of_are_left_out()
    {
        List<DescribeLogDirsRequest.DescribableLogDirTopic> wanted =
            [new() { Topic = DescribeLogDirsCluster.Topic, Partitions = [0, 7] }, new() { Topic = "nowhere", Partitions = [0] }];
        var listed = 0;
        for (var b = 0; b < 3; b++)
        {
            var topics = Assert.Single((await DescribeAsync(fixture.Cluster, b, wanted)).Results).Topics;
            if (topics.Count == 0) continue;
            var topic = Assert.Single(topics);
            Assert.Equal(DescribeLogDirsCluster.Topic, topic.Name);
            Assert.Equal(0, Assert.Single(topic.Partitions).PartitionIndex);
            listed++;
        }
        Assert.Equal(2, listed);
    }

    [Fact]
    public async Task With_a_data_directory_each_broker_gives_its_absolute_directory_and_the_volume_sizes()
    {
        var root = Path.Combine(Path.GetTempPath(), "tributary-logdirs-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { DataDirectory = root });
            await cluster.CreateTopicAsync("ld-disk", partitions: 2);

            var directory = Assert.Single((await DescribeAsync(cluster, 0, topics: null)).Results);

            Assert.Equal(Path.Combine(Path.GetFullPath(root), "broker-1"), directory.LogDir);
            Assert.True(directory.TotalBytes > 0);
            Assert.InRange(directory.UsableBytes, 0, directory.TotalBytes);
            Assert.Equal([0, 1], directory.Topics.Single(t => t.Name == "ld-disk").Partitions.Select(p => p.PartitionIndex).Order());
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
