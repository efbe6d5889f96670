using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Testing.Tests;

/// <summary>A fixture whose only listener is SASL_SSL: every helper connects with the settings it overrides.</summary>
public sealed class SecuredKafkaFixture : EmbeddedKafkaFixture
{
    protected override EmbeddedKafkaOptions CreateOptions() => new()
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslSsl)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret" },
    };

    protected override IDictionary<string, string> ClientProperties() => Cluster.GetClientConfig("SASL_SSL", "alice");
}

public sealed class SecuredFixtureTests(SecuredKafkaFixture kafka) : IClassFixture<SecuredKafkaFixture>
{
    [Fact]
    public void The_helpers_connect_over_sasl_ssl_as_the_fixtures_user()
    {
        var config = kafka.ProducerConfig();
        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal("alice", config.SaslUsername);
        Assert.Equal(Acks.All, config.Acks);
    }

    [Fact]
    public async Task Records_produced_are_consumed_and_a_group_catches_up()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var delivered = await kafka.ProduceAsync(topic, 10);
        Assert.Equal(10, (await kafka.ConsumeAsync(topic, 10)).Count);

        var group = EmbeddedKafkaFixture.UniqueName("group");
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build();
        consumer.Commit(delivered.GroupBy(d => d.TopicPartition).Select(p => new TopicPartitionOffset(p.Key, p.Max(d => d.Offset.Value) + 1)));
        await kafka.WaitForZeroLagAsync(group, topic);
    }
}
