using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Tributary.Aspire.Hosting.Tests;

/// <summary>
/// The test app host (tests/Tributary.Aspire.TestAppHost) run by Aspire's orchestrator: the embedded cluster starts as
/// the resource "kafka" (the tributary broker process), turns healthy, its output is the resource's log, a service
/// referencing it produces through its connection string, and a Confluent.Kafka client produces and consumes through
/// the same connection string. One app host run for all of it: starting one takes seconds.
/// </summary>
public sealed class TributaryKafkaResourceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_app_host_runs_the_embedded_cluster_healthy_with_its_output_in_the_resource_logs_and_clients_produce_and_consume_through_its_connection_string()
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
        // The log the dashboard shows for the resource: the broker's bootstrap line (stdout, a line of its own, Aspire
        // putting a timestamp before it) and its logger's start message (stderr).
        var address = Regex.Escape("127.0.0.1:" + connectionString!.Split(':')[1]);
        await WaitForLogLinesAsync(app, kafka,
            ("the bootstrap line on stdout", line => !line.IsErrorMessage && Regex.IsMatch(line.Content, $@"(^|\s){address}$")),
            ("the start message on stderr", line => line.IsErrorMessage && Regex.IsMatch(line.Content, $@"Embedded Kafka cluster \S+ started: PLAINTEXT {address}")));
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

    /// <summary>Waits until each of <paramref name="expected"/> matched a line of <paramref name="resource"/>'s log, as Aspire's log service streams it.</summary>
    private static async Task WaitForLogLinesAsync(DistributedApplication app, IResource resource, params (string What, Func<LogLine, bool> Matches)[] expected)
    {
        using var patience = new CancellationTokenSource(Patience);
        var missing = expected.ToList();
        var seen = new List<string>();
        try
        {
            await foreach (var lines in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(resource).WithCancellation(patience.Token))
            {
                foreach (var line in lines)
                {
                    missing.RemoveAll(e => e.Matches(line));
                    seen.Add((line.IsErrorMessage ? "stderr: " : "stdout: ") + line.Content);
                }
                if (missing.Count == 0)
                    return;
            }
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
        }
        Assert.Fail($"{resource.Name}'s log lacks {string.Join(" and ", missing.Select(e => e.What))}; it had: {string.Join(" | ", seen)}");
    }
}
