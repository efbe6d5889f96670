using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tributary.Hosting;

/// <summary>
/// Whether a Kafka cluster answers: a metadata request through a short-lived admin client. Healthy with the number
/// of brokers the cluster lists; unhealthy with the client's error when it does not answer in time.
/// </summary>
internal sealed class KafkaBrokerHealthCheck(Func<IServiceProvider, string> bootstrapServers, IServiceProvider services, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string servers;
        try
        {
            servers = bootstrapServers(services);
        }
        catch (InvalidOperationException notYet)
        {
            return HealthCheckResult.Unhealthy($"No Kafka bootstrap servers yet: {notYet.Message}");
        }
        try
        {
            // GetMetadata blocks; keep it off the caller's thread.
            var brokers = await Task.Run(() =>
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).Build();
                return admin.GetMetadata(timeout).Brokers.Count;
            }, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Kafka at {servers} answers: {brokers} broker(s).");
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy($"Kafka at {servers} does not answer: {e.Error.Reason}", e);
        }
    }
}
