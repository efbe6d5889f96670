using Akka.Actor;
using Akka.Configuration;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Tributary.Streams.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Consumer_settings_have_the_reference_defaults()
    {
        var settings = ConsumerSettings<string, string>.Create(Deserializers.Utf8, Deserializers.Utf8);

        Assert.Equal(TimeSpan.FromMilliseconds(10), settings.PollInterval);
        Assert.Equal(TimeSpan.Zero, settings.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.CommitTimeout);
        Assert.Equal("false", settings.Properties["enable.auto.commit"]);
        Assert.Equal("false", settings.Properties["enable.auto.offset.store"]);
        Assert.Equal("10", settings.Properties["fetch.queue.backoff.ms"]);
    }

    [Fact]
    public void Consumer_settings_read_akka_kafka_consumer_and_pass_kafka_clients_through()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.kafka.consumer {
              poll-interval = 20ms
              stop-timeout = 2s
              buffer-size = 64
              kafka-clients {
                bootstrap.servers = "broker:9092"
                "fetch.wait.max.ms" = 5
              }
            }
            """);
        using var system = ActorSystem.Create("settings", config);

        var settings = ConsumerSettings<string, string>.Create(system, null, null).WithGroupId("g");

        Assert.Equal(TimeSpan.FromMilliseconds(20), settings.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.StopTimeout);
        Assert.Equal(64, settings.BufferSize);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.CommitTimeout);
        var client = settings.ToConsumerConfig();
        Assert.Equal("broker:9092", client.BootstrapServers);
        Assert.Equal(5, client.FetchWaitMaxMs);
        Assert.Equal("g", client.GroupId);
        Assert.False(client.EnableAutoCommit);
    }

    [Fact]
    public void Producer_and_committer_settings_read_their_hocon_sections()
    {
        var producer = ProducerSettings<string, string>.Create(
            ConfigurationFactory.ParseString("parallelism = 7, kafka-clients { linger.ms = 3 }"), null, null);
        var committer = CommitterSettings.Create(
            ConfigurationFactory.ParseString("max-batch = 10, max-interval = 1s, delivery = SendAndForget, when = NextOffsetObserved"));

        Assert.Equal(7, producer.Parallelism);
        Assert.Equal(TimeSpan.FromSeconds(10), producer.CloseTimeout);
        Assert.Equal(3, producer.ToProducerConfig().LingerMs);
        Assert.Equal(10, committer.MaxBatch);
        Assert.Equal(TimeSpan.FromSeconds(1), committer.MaxInterval);
        Assert.Equal(100, committer.Parallelism);
        Assert.Equal(CommitDelivery.SendAndForget, committer.Delivery);
        Assert.Equal(CommitWhen.NextOffsetObserved, committer.When);
    }

    [Fact]
    public void Settings_bind_from_Microsoft_Extensions_Configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:Consumer:BootstrapServers"] = "b:2",
            ["Kafka:Consumer:GroupId"] = "orders",
            ["Kafka:Consumer:PollInterval"] = "00:00:00.100",
            ["Kafka:Consumer:Properties:fetch.min.bytes"] = "10",
            ["Kafka:Producer:BootstrapServers"] = "b:2",
            ["Kafka:Producer:Parallelism"] = "12",
            ["Kafka:Committer:MaxBatch"] = "50",
            ["Kafka:Committer:Delivery"] = "SendAndForget",
        }).Build();

        var consumer = configuration.GetSection("Kafka:Consumer").ToConsumerSettings(Deserializers.Utf8, Deserializers.Utf8);
        var producer = configuration.GetSection("Kafka:Producer").ToProducerSettings(Serializers.Utf8, Serializers.Utf8);
        var committer = configuration.GetSection("Kafka:Committer").ToCommitterSettings();

        Assert.Equal("b:2", consumer.Properties["bootstrap.servers"]);
        Assert.Equal("orders", consumer.GroupId);
        Assert.Equal(TimeSpan.FromMilliseconds(100), consumer.PollInterval);
        Assert.Equal("10", consumer.Properties["fetch.min.bytes"]);
        Assert.Equal("false", consumer.Properties["enable.auto.commit"]);
        Assert.Equal("10", consumer.Properties["fetch.queue.backoff.ms"]);
        Assert.Equal(12, producer.Parallelism);
        Assert.Equal(50, committer.MaxBatch);
        Assert.Equal(CommitDelivery.SendAndForget, committer.Delivery);
        Assert.Equal(TimeSpan.FromSeconds(10), committer.MaxInterval);
    }

    [Fact]
    public void Invalid_values_are_rejected()
    {
        var consumer = ConsumerSettings<string, string>.Create(null, null);
        Assert.Throws<ArgumentOutOfRangeException>(() => consumer.WithPollInterval(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => consumer.WithBufferSize(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommitterSettings.Default.WithMaxBatch(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProducerSettings<string, string>.Create(null, null).WithParallelism(0));
    }
}
