using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tributary.Hosting;

namespace Tributary.Akka.Hosting;

/// <summary>A hosted stream's health check (<see cref="KafkaStreamHealthCheck"/>) in Akka.Hosting's health check registry.</summary>
internal sealed class KafkaStreamAkkaHealthCheck(KafkaStreamState state) : IAkkaHealthCheck
{
    private readonly KafkaStreamHealthCheck _check = new(state);

    public Task<HealthCheckResult> CheckHealthAsync(AkkaHealthCheckContext context, CancellationToken cancellationToken = default) =>
        _check.CheckHealthAsync(new HealthCheckContext(), cancellationToken);
}
