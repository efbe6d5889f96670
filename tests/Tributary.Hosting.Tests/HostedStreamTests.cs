using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Tributary.Hosting;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

using static Tributary.Hosting.Tests.HostTesting;

namespace Tributary.Hosting.Tests;

/// <summary>
/// A host with the embedded cluster and a committing stream: the stream starts with the host, reports healthy,
/// drains (committing what it read) when the host stops, and a failing stream reports unhealthy with its reason.
/// </summary>
public sealed class HostedStreamTests
{
    [Fact]
    public async Task A_hosted_stream_starts_with_the_host_is_healthy_and_drains_committing_its_offsets_when_the_host_stops()
    {
        var consumed = 0;
        using var host = NewHost(services => services.AddKafkaStream("greeters", context =>
            KafkaConsumer.CommittableSource(ConsumerSettings(context, "greeters"), Subscriptions.Topics("greetings"))
                .Select(message =>
                {
                    Interlocked.Increment(ref consumed);
                    return (ICommittable)message.CommittableOffset;
                })
                .ToMaterialized(Committer.Sink(CommitterSettings.Create(context.System)), DrainingControl<Done>.Create)
                .Run(context.Materializer)));

        await host.StartAsync().WaitAsync(Patience);
        var kafka = host.Services.GetRequiredService<EmbeddedKafka>();
        await kafka.Cluster.CreateTopicAsync("greetings", partitions: 2);
        await ProduceAsync(kafka.BootstrapServers, "greetings", 20);
        await EventuallyAsync(() => Volatile.Read(ref consumed) == 20, "the stream consumed the 20 greetings");
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Entries["greeters"].Status);
        Assert.Equal(HealthStatus.Healthy, health.Entries["embedded-kafka"].Status);

        // Stop the stream's host part by part: the stream drains first, the cluster still runs, then the cluster stops.
        var committed = await CommittedAfterStopAsync(host, kafka, "greeters", "greetings", partitions: 2);

        Assert.Equal(20, committed);
    }

    [Fact]
    public async Task A_failing_stream_reports_unhealthy_with_its_reason()
    {
        using var host = NewHost(services => services.AddKafkaStream("broken", context =>
            KafkaConsumer.PlainSource(ConsumerSettings(context, "broken"), Subscriptions.Topics("broken-input"))
                .Select(record => record.Message.Value is null ? record : throw new InvalidOperationException("the handler broke"))
                .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), DrainingControl<Done>.Create)
                .Run(context.Materializer)));
        await host.StartAsync().WaitAsync(Patience);
        var kafka = host.Services.GetRequiredService<EmbeddedKafka>();
        await kafka.Cluster.CreateTopicAsync("broken-input");
        await ProduceAsync(kafka.BootstrapServers, "broken-input", 1);
        var checks = host.Services.GetRequiredService<HealthCheckService>();

        HealthReportEntry entry = default;
        await EventuallyAsync(() => (entry = checks.CheckHealthAsync().GetAwaiter().GetResult().Entries["broken"]).Status == HealthStatus.Unhealthy,
            "the stream reported unhealthy");
        await host.StopAsync().WaitAsync(Patience);

        Assert.Contains("the handler broke", entry.Description);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    [Fact]
    public async Task The_broker_check_is_unhealthy_when_nothing_answers()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthChecks().AddKafkaBroker("nowhere", _ => "127.0.0.1:1", TimeSpan.FromSeconds(2));
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["nowhere"].Status);
        Assert.Contains("127.0.0.1:1 does not answer", report.Entries["nowhere"].Description);
    }

    private static IHost NewHost(Action<IServiceCollection> addStream)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddEmbeddedKafka();
        addStream(builder.Services);
        return builder.Build();
    }

    private static ConsumerSettings<string, string> ConsumerSettings(KafkaStreamContext context, string group) =>
        ConsumerSettings<string, string>.Create(context.System, Deserializers.Utf8, Deserializers.Utf8)
            .WithBootstrapServers(context.Services.GetRequiredService<EmbeddedKafka>().BootstrapServers)
            .WithGroupId(group)
            .WithProperty("auto.offset.reset", "earliest")
            .WithLogger(context.Logger);

    // Stops the hosted services in reverse order by hand up to the stream, reads the group's offsets while the
    // cluster still runs, then stops the rest: the host's own StopAsync would stop the cluster too.
    private static async Task<long> CommittedAfterStopAsync(IHost host, EmbeddedKafka kafka, string group, string topic, int partitions)
    {
        var hosted = host.Services.GetServices<IHostedService>().Reverse().ToList();
        var stream = hosted.First(s => s.GetType().Name.StartsWith("KafkaStreamService", StringComparison.Ordinal));
        await stream.StopAsync(CancellationToken.None).WaitAsync(Patience);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = group }).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), Patience);
        await host.StopAsync().WaitAsync(Patience);
        return committed.Sum(c => Math.Max(0, c.Offset.Value));
    }
}
