using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tributary.Broker;
using Tributary.Cli.Common;

namespace Tributary.Cli;

/// <summary>
/// <c>tributary broker</c>: runs an embedded Kafka cluster until Ctrl-C or SIGTERM. The first line on stdout is
/// the bootstrap list alone, so scripts can read it; logs go to stderr. <c>--authorizer</c> turns ACLs on and
/// <c>--super-user</c> names the principals they never stop.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers.", DefaultValueFactory = _ => 1 };
        var port = new Option<int>("--port") { Description = "Port of the first broker; the others follow it. 0 picks free ports.", DefaultValueFactory = _ => 9092 };
        var authorizer = new Option<bool>("--authorizer") { Description = "Authorize every request with ACLs (off: everything is allowed)." };
        var superUsers = new Option<string[]>("--super-user") { Description = "A principal allowed everything whatever the ACLs, e.g. User:alice; repeatable." };
        var command = new Command("broker", "Run an embedded Kafka cluster until Ctrl-C or SIGTERM.") { brokers, port, authorizer, superUsers };
        command.SetSafeAction((result, cancellationToken) => RunAsync(loggerFactory => new EmbeddedKafkaOptions
        {
            Brokers = result.GetValue(brokers),
            FirstPort = result.GetValue(port),
            EnableAuthorizer = result.GetValue(authorizer),
            SuperUsers = (result.GetValue(superUsers) ?? []).Select(SuperUser).ToList(),
            LoggerFactory = loggerFactory,
        }, cancellationToken));
        return command;
    }

    private static string SuperUser(string principal) =>
        principal.IndexOf(':') > 0 && !principal.EndsWith(':') ? principal : throw new UserErrorException($"bad --super-user '{principal}': use Type:Name, for example User:alice");

    private static async Task<int> RunAsync(Func<ILoggerFactory, EmbeddedKafkaOptions> options, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(options(loggerFactory), shutdown.Token);
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
