using Confluent.Kafka;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>A real librdkafka client (Confluent.Kafka) accepts responses encoded by the generated types.</summary>
public class ConfluentKafkaInteropTests
{
    public const string FixtureClient = "confluent-kafka-dotnet";
    public const string ClientId = "tributary-confluent";
    public const string Topic = "fixture-topic";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Admin_client_metadata_comes_from_generated_api_versions_and_metadata_responses()
    {
        await using var broker = new FakeBroker();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers, ClientId = ClientId }).Build();

        var metadata = admin.GetMetadata(Topic, Timeout);

        var brokerMetadata = Assert.Single(metadata.Brokers);
        Assert.Equal(FakeBroker.NodeId, brokerMetadata.BrokerId);
        Assert.Equal("127.0.0.1", brokerMetadata.Host);
        Assert.Equal(broker.Port, brokerMetadata.Port);
        var topic = Assert.Single(metadata.Topics);
        Assert.Equal(Topic, topic.Topic);
        Assert.Equal(Confluent.Kafka.ErrorCode.NoError, topic.Error.Code);
        var partition = Assert.Single(topic.Partitions);
        Assert.Equal(FakeBroker.NodeId, partition.Leader);
        Assert.Equal(ApiKey.ApiVersions, broker.Requests[0].Decoded.ApiKey);
    }

    [Fact]
    public async Task Producer_delivers_through_generated_responses_and_its_requests_decode()
    {
        await using var broker = new FakeBroker();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, ClientId = ClientId, Acks = Acks.All, LingerMs = 0, MessageTimeoutMs = 30_000 };
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var delivery = await producer.ProduceAsync(Topic, new Message<string, string> { Key = "key", Value = "hello" });
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
            Assert.Equal(0, delivery.Offset.Value);
        }

        var requests = broker.Requests;
        var produce = Assert.IsType<ProduceRequest>(requests.Single(r => r.Decoded.ApiKey == ApiKey.Produce).Decoded.Body);
        Assert.Equal(-1, produce.Acks);
        Assert.Equal(Topic, Assert.Single(produce.TopicData).Name);
        Assert.All(requests, r => Assert.Equal(r.Frame, r.Decoded.Encode()));
        if (FixtureFiles.CaptureRequested)
            FixtureFiles.Write(FixtureClient, $"Confluent.Kafka {typeof(IProducer<,>).Assembly.GetName().Version} (librdkafka {Library.VersionString})", requests);
    }
}
