using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tributary.Hosting;

/// <summary>
/// A hosted stream's health: healthy while it runs and its source answers; unhealthy when it failed (with the
/// failure), completed on its own, has not started, or is stuck (its source did not answer a metrics request within
/// <see cref="KafkaStreamOptions.StuckAfter"/>). Draining on the host's stop reports healthy.
/// </summary>
internal sealed class KafkaStreamHealthCheck(KafkaStreamState state) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        switch (state.Current)
        {
            case KafkaStreamState.Phase.NotStarted:
                return HealthCheckResult.Unhealthy($"Kafka stream {state.Name} has not started.");
            case KafkaStreamState.Phase.Failed:
                return HealthCheckResult.Unhealthy($"Kafka stream {state.Name} failed: {state.Failure!.Message}", state.Failure);
            case KafkaStreamState.Phase.Completed:
                return HealthCheckResult.Unhealthy($"Kafka stream {state.Name} completed on its own.");
            case KafkaStreamState.Phase.Stopping or KafkaStreamState.Phase.Stopped:
                return HealthCheckResult.Healthy($"Kafka stream {state.Name} is draining for the host's stop.");
        }
        try
        {
            var metrics = await state.Control!.Metrics.WaitAsync(state.Options.StuckAfter, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Kafka stream {state.Name} is running: {metrics.AssignedPartitions.Count} partition(s) assigned, {metrics.RecordsConsumed} record(s) consumed.");
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Kafka stream {state.Name} is stuck: its source did not answer within {state.Options.StuckAfter.TotalSeconds:0.#} s.");
        }
    }
}
