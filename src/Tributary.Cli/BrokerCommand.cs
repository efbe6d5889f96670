using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tributary.Broker;

namespace Tributary.Cli;

/// <summary>
/// <c>tributary broker</c>: runs an embedded Kafka cluster until Ctrl-C or SIGTERM. The first line on stdout is
/// the bootstrap list alone, so scripts can read it; logs go to stderr.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers.", DefaultValueFactory = _ => 1 };
        var port = new Option<int>("--port") { Description = "Port of the first broker; the others follow it. 0 picks free ports.", DefaultValueFactory = _ => 9092 };
        var command = new Command("broker", "Run an embedded Kafka cluster until Ctrl-C or SIGTERM.") { brokers, port };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(brokers), result.GetValue(port), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int brokers, int port, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(
            new EmbeddedKafkaOptions { Brokers = brokers, FirstPort = port, LoggerFactory = loggerFactory }, shutdown.Token);
        Console.Out.WriteLine(cluster.BootstrapServers);
        await Console.Out.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: a normal stop.
        }
        return 0;
    }
}
