using Confluent.Kafka;

namespace Tributary.Broker.Tests.EndToEnd;

public class AutoCreateOffTests
{
    [Fact]
    public async Task Producing_to_an_unknown_topic_fails_and_creates_nothing()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { AutoCreateTopics = false });
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            MessageTimeoutMs = 2_000,
            TopicMetadataPropagationMaxMs = 100,
        }).Build();

        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("missing", new Message<string, string> { Key = "k", Value = "v" }));

        Assert.Contains(failure.Error.Code, new[] { ErrorCode.UnknownTopicOrPart, ErrorCode.Local_UnknownTopic, ErrorCode.Local_MsgTimedOut });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        Assert.Equal(ErrorCode.UnknownTopicOrPart, admin.GetMetadata("missing", TimeSpan.FromSeconds(10)).Topics.Single().Error.Code);
    }
}
