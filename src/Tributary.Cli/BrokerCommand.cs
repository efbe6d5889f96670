using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tributary.Broker;
using Tributary.Cli.Common;

namespace Tributary.Cli;

/// <summary>
/// <c>tributary broker</c>: runs an embedded Kafka cluster until Ctrl-C or SIGTERM. Stdout gets the bootstrap list of
/// each listener on its own line, the first listener's first, so scripts can read them; logs go to stderr.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers.", DefaultValueFactory = _ => 1 };
        var port = new Option<int>("--port")
        {
            Description = "Port of the first broker on the first listener; the other brokers follow it, then each further listener's brokers. 0 picks free ports.",
            DefaultValueFactory = _ => 9092,
        };
        var security = new BrokerSecurityOptions();
        var command = new Command("broker", "Run an embedded Kafka cluster until Ctrl-C or SIGTERM.") { brokers, port };
        security.AddTo(command);
        command.SetSafeAction((result, cancellationToken) =>
        {
            var (brokerCount, firstPort) = (result.GetValue(brokers), result.GetValue(port));
            return RunAsync(brokerCount, firstPort, security.Parse(result, firstPort, brokerCount), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(int brokers, int port, BrokerSecurityOptions.Parsed security, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        EmbeddedKafkaCluster cluster;
        try
        {
            cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
            {
                Brokers = brokers,
                FirstPort = port,
                Listeners = security.Listeners,
                Users = security.Users,
                Tls = security.Tls,
                OAuthBearerUnsecured = security.OAuthBearerUnsecured,
                LoggerFactory = loggerFactory,
            }, shutdown.Token);
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException(e.Message);
        }
        await using (cluster)
        {
            if (security.CaOut is { } caOut) cluster.CertificateAuthority!.WriteCertificatePem(caOut.FullName);
            foreach (var listener in security.Listeners) Console.Out.WriteLine(cluster.GetBootstrapServers(listener.EffectiveName));
            await Console.Out.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: a normal stop.
            }
        }
        return 0;
    }
}
