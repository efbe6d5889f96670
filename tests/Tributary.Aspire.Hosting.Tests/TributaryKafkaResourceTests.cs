using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;

namespace Tributary.Aspire.Hosting.Tests;

/// <summary>
/// The test app host (tests/Tributary.Aspire.TestAppHost) run by Aspire's orchestrator: the embedded cluster starts as
/// the resource "kafka" (the tributary broker process), turns healthy, a service referencing it produces through its
/// connection string, and a Confluent.Kafka client produces and consumes through the same connection string.
/// </summary>
public sealed class TributaryKafkaResourceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_app_host_runs_the_embedded_cluster_healthy_and_clients_produce_and_consume_through_its_connection_string()
    {
        var cli = typeof(TributaryKafkaResourceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TributaryCli").Value!;
        Assert.True(File.Exists(cli), $"The command line is not built at {cli}.");
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Tributary_Aspire_TestAppHost>([$"--{TributaryKafkaBuilderExtensions.CliPathConfigurationKey}={cli}"]);
        await using var app = await appHost.BuildAsync().WaitAsync(Patience);

        await app.StartAsync().WaitAsync(Patience);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("kafka").WaitAsync(Patience);
        var connectionString = await app.GetConnectionStringAsync("kafka");

        Assert.Matches(@"^localhost:\d+$", connectionString);
        var kafka = Assert.Single(appHost.Resources.OfType<TributaryKafkaResource>());
        Assert.Equal("dotnet", kafka.Command);
        // The service knows the cluster only from ConnectionStrings__kafka (as Aspire.Confluent.Kafka reads it), and wrote with it.
        await app.ResourceNotifications.WaitForResourceAsync("greeter", KnownResourceStates.Finished).WaitAsync(Patience);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = connectionString }).Build())
            await producer.ProduceAsync("greetings", new Message<string, string> { Key = "test", Value = "hello from the test" });
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = connectionString, GroupId = "aspire-test", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe("greetings");
        var read = new Dictionary<string, string>();
        var deadline = DateTime.UtcNow + Patience;
        while (read.Count < 2 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
                read[record.Message.Key] = record.Message.Value;
        }
        consumer.Close();

        Assert.Equal("hello from a service", read.GetValueOrDefault("greeter"));
        Assert.Equal("hello from the test", read.GetValueOrDefault("test"));
        await app.StopAsync().WaitAsync(Patience);
    }
}
