using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>One three-broker cluster for the DescribeTopicPartitions tests, with topics of 1, 3 and 5 partitions.</summary>
public sealed class DescribeTopicPartitionsCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await Cluster.CreateTopicAsync("dtp-a", partitions: 3, replicationFactor: 3);
        await Cluster.CreateTopicAsync("dtp-b", partitions: 5, replicationFactor: 2);
        await Cluster.CreateTopicAsync("dtp-c", partitions: 1, replicationFactor: 1);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// DescribeTopicPartitions (KIP-966) over the wire, as Kafka's broker answers it: leaders, epochs, replicas, ISR,
/// empty eligible leader replicas, sorted topics, paging by cursor and partition limit, errors per topic.
/// No client installed here sends it (librdkafka 2.16, kafka-python 2.0.2 and kafkajs 2.2.4 describe topics with
/// Metadata), so these tests speak the protocol themselves.
/// </summary>
public sealed class DescribeTopicPartitionsTests(DescribeTopicPartitionsCluster fixture) : IClassFixture<DescribeTopicPartitionsCluster>
{
    private const short Version = 0;
    private readonly EmbeddedKafkaCluster _cluster = fixture.Cluster;

    private async Task<DescribeTopicPartitionsResponse> DescribeAsync(DescribeTopicPartitionsRequest request)
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        return await RawRequests.RoundTripAsync<DescribeTopicPartitionsResponse>(socket, request, Version);
    }

    private static DescribeTopicPartitionsRequest Request(params string[] topics) =>
        new() { Topics = topics.Select(t => new DescribeTopicPartitionsRequest.TopicRequest { Name = t }).ToList() };

    [Fact]
    public async Task Each_partition_shows_its_leader_epoch_replicas_and_isr_with_empty_eligible_leader_replicas()
    {
        var response = await DescribeAsync(Request("dtp-a"));

        var topic = Assert.Single(response.Topics);
        Assert.Equal((short)ErrorCode.None, topic.ErrorCode);
        Assert.Equal("dtp-a", topic.Name);
        Assert.NotEqual(Guid.Empty, topic.TopicId);
        Assert.False(topic.IsInternal);
        Assert.NotEqual(int.MinValue, topic.TopicAuthorizedOperations);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.PartitionIndex));
        foreach (var partition in topic.Partitions)
        {
            Assert.Equal((short)ErrorCode.None, partition.ErrorCode);
            Assert.Equal(3, partition.ReplicaNodes.Count);
            Assert.Equal(partition.ReplicaNodes[0], partition.LeaderId);
            Assert.Equal(0, partition.LeaderEpoch);
            Assert.Equal(partition.ReplicaNodes.Order(), partition.IsrNodes.Order());
            Assert.Empty(partition.EligibleLeaderReplicas!);
            Assert.Empty(partition.LastKnownElr!);
            Assert.Empty(partition.OfflineReplicas);
        }
        Assert.Null(response.NextCursor);
    }

    [Fact]
    public async Task Named_topics_come_back_sorted_once_each_and_an_unknown_one_is_unknown_topic_or_partition()
    {
        var response = await DescribeAsync(Request("dtp-c", "missing", "dtp-a", "dtp-c", "bad/name"));

        Assert.Equal(["bad/name", "dtp-a", "dtp-c", "missing"], response.Topics.Select(t => t.Name));
        Assert.Equal((short)ErrorCode.InvalidTopicException, response.Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[3].ErrorCode);
        Assert.Empty(response.Topics[3].Partitions);
    }

    [Fact]
    public async Task An_empty_topic_list_describes_every_topic()
    {
        var response = await DescribeAsync(Request());

        Assert.Equal(["dtp-a", "dtp-b", "dtp-c"], response.Topics.Select(t => t.Name!).Where(n => n.StartsWith("dtp-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_partition_limit_pages_through_the_topics_with_the_next_cursor()
    {
        var pages = new List<(string Topic, int Partition)>();
        var request = Request("dtp-a", "dtp-b", "dtp-c");
        request.ResponsePartitionLimit = 2;
        var answers = 0;
        while (true)
        {
            var response = await DescribeAsync(request);
            answers++;
            pages.AddRange(response.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name!, p.PartitionIndex))));
            Assert.True(response.Topics.Sum(t => t.Partitions.Count) <= 2);
            if (response.NextCursor is null) break;
            request.Cursor = new() { TopicName = response.NextCursor.TopicName, PartitionIndex = response.NextCursor.PartitionIndex };
        }

        Assert.Equal(
            [("dtp-a", 0), ("dtp-a", 1), ("dtp-a", 2), ("dtp-b", 0), ("dtp-b", 1), ("dtp-b", 2), ("dtp-b", 3), ("dtp-b", 4), ("dtp-c", 0)],
            pages);
        Assert.Equal(5, answers);
    }

    [Fact]
    public async Task A_cursor_naming_a_topic_not_in_the_list_is_an_invalid_request()
    {
        var request = Request("dtp-a");
        request.Cursor = new() { TopicName = "dtp-b", PartitionIndex = 0 };

        var response = await DescribeAsync(request);

        Assert.Equal((short)ErrorCode.InvalidRequest, Assert.Single(response.Topics).ErrorCode);
    }

    [Fact]
    public async Task A_partition_without_a_live_leader_is_leader_not_available_with_the_replica_offline()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 2 });
        await cluster.CreateTopicAsync("lonely", partitions: 1, replicationFactor: 1);
        // Placement rotates over the brokers: crash the one that holds the replica.
        var holder = await ReplicaHolderAsync(cluster, "lonely");
        await cluster.CrashBrokerAsync(holder);
        var other = cluster.Brokers.Single(b => b.Id != holder);

        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", other.Port);
        var response = await RawRequests.RoundTripAsync<DescribeTopicPartitionsResponse>(socket, Request("lonely"), Version);

        var partition = Assert.Single(Assert.Single(response.Topics).Partitions);
        Assert.Equal((short)ErrorCode.LeaderNotAvailable, partition.ErrorCode);
        Assert.Equal(-1, partition.LeaderId);
        Assert.Equal([holder], partition.OfflineReplicas);
    }

    private static async Task<int> ReplicaHolderAsync(EmbeddedKafkaCluster cluster, string topic)
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers[0].Port);
        var response = await RawRequests.RoundTripAsync<DescribeTopicPartitionsResponse>(socket, Request(topic), Version);
        return response.Topics.Single().Partitions.Single().ReplicaNodes.Single();
    }
}
