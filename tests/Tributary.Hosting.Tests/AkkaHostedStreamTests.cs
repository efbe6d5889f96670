using Akka;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Tributary.Akka.Hosting;
using Tributary.Broker;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

using static Tributary.Hosting.Tests.HostTesting;

namespace Tributary.Hosting.Tests;

/// <summary>
/// Streams run through Akka.Hosting's builder in the actor system it owns, with connector settings from the host's
/// configuration, against an embedded cluster that outlives each host (so what a stopped host committed can be read).
/// </summary>
public sealed class AkkaHostedStreamTests(AkkaHostedStreamTests.Cluster cluster) : IClassFixture<AkkaHostedStreamTests.Cluster>
{
    [Fact]
    public async Task A_stream_in_the_actor_system_of_Akka_Hosting_uses_settings_from_configuration_reports_healthy_and_drains_committing_when_the_host_stops()
    {
        var (input, output) = ("akka-greetings", "akka-shouts");
        await cluster.Kafka.CreateTopicAsync(input, partitions: 2);
        await cluster.Kafka.CreateTopicAsync(output, partitions: 1);
        ActorSystem? streamSystem = null;
        var consumed = 0;
        using var host = NewHost(builder => builder
            .WithKafkaConsumerSettings<string, string>("greetings", "Kafka:Consumer", Deserializers.Utf8, Deserializers.Utf8)
            .WithKafkaProducerSettings<string, string>("shouts", "Kafka:Producer", Serializers.Utf8, Serializers.Utf8)
            .WithKafkaStream("shouter", context =>
            {
                streamSystem = context.System;
                var settings = KafkaSettingsRegistry.For(context.System);
                return KafkaConsumer.CommittableSource(settings.Consumer<string, string>("greetings"), Subscriptions.Topics(input))
                    .Select(message =>
                    {
                        Interlocked.Increment(ref consumed);
                        return ProducerMessage.Single(new ProducerRecord<string, string>(output, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant()),
                            (ICommittable)message.CommittableOffset);
                    })
                    .Via(KafkaProducer.FlexiFlow<string, string, ICommittable>(settings.Producer<string, string>("shouts")))
                    .Select(result => result.PassThrough)
                    .ToMaterialized(Committer.Sink(CommitterSettings.Create(context.System)), DrainingControl<Done>.Create)
                    .Run(context.Materializer);
            }), group: "akka-shouter");

        await host.StartAsync().WaitAsync(Patience);
        await ProduceAsync(cluster.Kafka.BootstrapServers, input, 20);
        await EventuallyAsync(() => Volatile.Read(ref consumed) == 20, "the stream consumed the 20 greetings");
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync().WaitAsync(Patience);

        Assert.Same(host.Services.GetRequiredService<ActorSystem>(), streamSystem);
        Assert.Equal(HealthStatus.Healthy, health.Entries["shouter"].Status);
        Assert.Contains("is running", health.Entries["shouter"].Description);
        Assert.Equal(20, Committed("akka-shouter", input, partitions: 2));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"HELLO {i}").Order(), Read(output, 20).Order());
    }

    [Fact]
    public async Task A_failing_stream_in_the_actor_system_of_Akka_Hosting_reports_unhealthy_with_its_reason()
    {
        await cluster.Kafka.CreateTopicAsync("akka-broken");
        using var host = NewHost(builder => builder
            .WithKafkaConsumerSettings<string, string>("broken", "Kafka:Consumer", Deserializers.Utf8, Deserializers.Utf8)
            .WithKafkaStream("broken", context =>
                KafkaConsumer.PlainSource(KafkaSettingsRegistry.For(context.System).Consumer<string, string>("broken"), Subscriptions.Topics("akka-broken"))
                    .Select(record => record.Message.Value is null ? record : throw new InvalidOperationException("the handler broke"))
                    .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), DrainingControl<Done>.Create)
                    .Run(context.Materializer)), group: "akka-broken");
        await host.StartAsync().WaitAsync(Patience);
        await ProduceAsync(cluster.Kafka.BootstrapServers, "akka-broken", 1);
        var checks = host.Services.GetRequiredService<HealthCheckService>();

        HealthReportEntry entry = default;
        await EventuallyAsync(() => (entry = checks.CheckHealthAsync().GetAwaiter().GetResult().Entries["broken"]).Status == HealthStatus.Unhealthy,
            "the stream reported unhealthy");
        await host.StopAsync().WaitAsync(Patience);

        Assert.Contains("the handler broke", entry.Description);
    }

    [Fact]
    public void Settings_asked_for_under_a_name_nobody_registered_name_the_method_that_registers_them()
    {
        using var system = ActorSystem.Create("unregistered-settings");

        var missing = Assert.Throws<KeyNotFoundException>(() => KafkaSettingsRegistry.For(system).Consumer<string, string>("orders"));

        Assert.Contains("WithKafkaConsumerSettings", missing.Message);
    }

    private IHost NewHost(Action<AkkaConfigurationBuilder> configure, string group)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:Consumer:BootstrapServers"] = cluster.Kafka.BootstrapServers,
            ["Kafka:Consumer:GroupId"] = group,
            ["Kafka:Consumer:Properties:auto.offset.reset"] = "earliest",
            ["Kafka:Producer:BootstrapServers"] = cluster.Kafka.BootstrapServers,
            ["Kafka:Producer:Properties:linger.ms"] = "5",
        });
        builder.Services.AddHealthChecks();
        builder.Services.AddAkka($"tributary-{group}", configure);
        return builder.Build();
    }

    private long Committed(string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.Kafka.BootstrapServers, GroupId = group }).Build();
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), Patience).Sum(c => Math.Max(0, c.Offset.Value));
    }

    private List<string> Read(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.Kafka.BootstrapServers, GroupId = $"reader-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Patience;
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
                values.Add(record.Message.Value);
        }
        consumer.Close();
        return values;
    }

    /// <summary>One embedded broker for the class, outside every host.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private EmbeddedKafkaCluster? _kafka;

        public EmbeddedKafkaCluster Kafka => _kafka ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _kafka = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions());

        public async Task DisposeAsync()
        {
            if (_kafka is not null)
                await _kafka.DisposeAsync();
        }
    }
}
