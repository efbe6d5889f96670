using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>The consumer group protocol's broker configs, set by Kafka name and seen by admin clients and members.</summary>
public sealed class ConsumerGroupBrokerConfigTests
{
    [Fact]
    public async Task Consumer_group_configs_set_by_kafka_name_are_reported_and_used()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            BrokerConfigs = new Dictionary<string, string>
            {
                ["group.consumer.heartbeat.interval.ms"] = "700",
                ["group.consumer.session.timeout.ms"] = "9000",
                ["group.consumer.max.size"] = "5",
                ["group.consumer.assignors"] = "range,uniform",
            },
        });
        await cluster.CreateTopicAsync("configured", 2);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "1" }])).Single().Entries;

        Assert.Equal("700", described["group.consumer.heartbeat.interval.ms"].Value);
        Assert.Equal("9000", described["group.consumer.session.timeout.ms"].Value);
        Assert.Equal("5", described["group.consumer.max.size"].Value);
        Assert.Equal("range,uniform", described["group.consumer.assignors"].Value);

        var groupId = $"group-{Guid.NewGuid():N}";
        using (var member = new GroupConsumer(cluster.BootstrapServers, groupId, "configured", "configured-member", protocol: GroupProtocol.Consumer))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (member.Assignment.Count < 2)
                await Task.Delay(50, deadline.Token);
            var group = (await admin.DescribeConsumerGroupsAsync([groupId])).ConsumerGroupDescriptions.Single();
            Assert.Equal("range", group.PartitionAssignor);
        }
    }

    [Theory]
    [InlineData("group.consumer.assignors", "sticky")]
    [InlineData("group.consumer.heartbeat.interval.ms", "0")]
    [InlineData("group.consumer.max.size", "many")]
    public async Task A_bad_consumer_group_config_stops_the_cluster_from_starting(string name, string value)
    {
        var options = new EmbeddedKafkaOptions { BrokerConfigs = new Dictionary<string, string> { [name] = value } };

        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(options));
    }
}
