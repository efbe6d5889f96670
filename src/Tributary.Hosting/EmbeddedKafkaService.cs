using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tributary.Broker;

namespace Tributary.Hosting;

/// <summary>Starts the embedded cluster when the host starts and disposes it when the host stops.</summary>
internal sealed partial class EmbeddedKafkaService(EmbeddedKafka holder, EmbeddedKafkaOptions options, ILogger<EmbeddedKafka> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cluster = await EmbeddedKafkaCluster.StartAsync(options, cancellationToken).ConfigureAwait(false);
        holder.Set(cluster);
        LogStarted(logger, options.Brokers, cluster.BootstrapServers);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (holder.Current is not { } cluster)
            return;
        holder.Set(null);
        await cluster.DisposeAsync().ConfigureAwait(false);
        LogStopped(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Kafka cluster of {Brokers} broker(s) serves at {BootstrapServers}")]
    private static partial void LogStarted(ILogger logger, int brokers, string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Kafka cluster stopped")]
    private static partial void LogStopped(ILogger logger);
}
