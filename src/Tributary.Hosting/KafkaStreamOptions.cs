namespace Tributary.Hosting;

/// <summary>How a hosted stream's health is checked.</summary>
public sealed class KafkaStreamOptions
{
    /// <summary>
    /// How long the stream's source may take to answer a metrics request before the stream is reported stuck (its
    /// consumer's poll thread no longer serving requests). Default 10 seconds.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tags of the stream's health check (for filtering health endpoints, e.g. "live", "ready").</summary>
    public IList<string> HealthCheckTags { get; } = ["kafka"];
}
