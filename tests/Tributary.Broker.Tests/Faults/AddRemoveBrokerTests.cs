using Confluent.Kafka;
using Tributary.Protocol.Messages;
using KafkaError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Faults;

/// <summary>Brokers added to and removed from a running cluster, as clients see them in metadata.</summary>
public sealed class AddRemoveBrokerTests
{
    private static int[] BrokersInMetadata(EmbeddedKafkaCluster cluster)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => b.BrokerId).Order().ToArray();
    }

    [Fact]
    public async Task An_added_broker_appears_in_metadata_hosts_new_topics_and_leaves_once_it_hosts_nothing()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync();

        var added = await cluster.AddBrokerAsync();

        Assert.Equal(2, added);
        Assert.Equal([1, 2], BrokersInMetadata(cluster));
        await cluster.CreateTopicAsync("spread", partitions: 2, replicationFactor: 2);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            foreach (var partition in new[] { 0, 1 })
                await producer.ProduceAsync(new TopicPartition("spread", partition), new Message<string, string> { Value = "v" });
        }
        Assert.Contains(2, new[] { cluster.GetLeader("spread", 0), cluster.GetLeader("spread", 1) });

        var refused = await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.RemoveBrokerAsync(2));
        Assert.Equal(KafkaError.InvalidReplicaAssignment, refused.Error);
        Assert.Contains("spread-0", refused.Message);

        await cluster.DeleteTopicAsync("spread");
        var port = cluster.Brokers.Single(b => b.Id == 2).Port;
        await cluster.RemoveBrokerAsync(2);

        Assert.Equal([1], BrokersInMetadata(cluster));
        Assert.Equal([1], cluster.Brokers.Select(b => b.Id));
        await Assert.ThrowsAnyAsync<Exception>(() => RawKafkaSocket.ConnectAsync("127.0.0.1", port));
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.RemoveBrokerAsync(2));
    }

    [Fact]
    public async Task A_broker_leading_a_groups_offsets_partition_leaves_once_the_partition_is_reassigned_and_the_group_keeps_its_offsets()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            BrokerConfigs = new Dictionary<string, string> { ["offsets.topic.num.partitions"] = "1" },
        });
        var added = await cluster.AddBrokerAsync();
        await cluster.CreateTopicAsync("after", partitions: 1, replicationFactor: 1);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "moved-away" }).Build();
        consumer.Commit([new TopicPartitionOffset("after", 0, 3)]);
        await cluster.MoveGroupCoordinatorAsync("moved-away", added);
        Assert.Equal(added, cluster.GetGroupCoordinator("moved-away"));

        // As in Kafka, a decommissioned broker's replicas, __consumer_offsets ones included, must be moved first.
        var refused = await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.RemoveBrokerAsync(added));
        Assert.Contains("__consumer_offsets-0", refused.Message);
        using (var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers[0].Port))
        {
            var response = await RawRequests.RoundTripAsync<AlterPartitionReassignmentsResponse>(socket, new AlterPartitionReassignmentsRequest
            {
                Topics = [new() { Name = "__consumer_offsets", Partitions = [new() { PartitionIndex = 0, Replicas = [1] }] }],
            }, 0);
            Assert.Equal((short)KafkaError.None, response.Responses.Single().Partitions.Single().ErrorCode);
        }
        await Eventually.TrueAsync(() => cluster.GetGroupCoordinator("moved-away") == 1, "the reassignment handed the offsets partition back to broker 1");
        await cluster.RemoveBrokerAsync(added);

        Assert.Equal(1, cluster.GetGroupCoordinator("moved-away"));
        Assert.Equal(3, consumer.Committed([new TopicPartition("after", 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value);
    }
}
