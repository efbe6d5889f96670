using Akka.Configuration;

namespace Tributary.Streams.Settings;

/// <summary>
/// The connection checker of a consumer source (Alpakka Kafka's <c>connection-checker</c>, off by default). When
/// enabled, the source asks the cluster for its metadata every <see cref="CheckInterval"/>; after a failed request
/// it asks again at intervals growing by <see cref="Factor"/>, and when <see cref="MaxRetries"/> retries after the
/// first failure have failed too, the source fails with <see cref="KafkaConnectionFailed"/>. Without it a source
/// whose brokers are unreachable keeps waiting for them, as librdkafka does.
/// </summary>
/// <param name="Enabled">Whether the checker runs.</param>
/// <param name="MaxRetries">Failed requests tolerated after the first failure; zero or more.</param>
/// <param name="CheckInterval">Time between checks while the brokers answer; the base of the backoff.</param>
/// <param name="Factor">Backoff multiplier after each failed check; at least 1.</param>
public sealed record ConnectionCheckerSettings(bool Enabled, int MaxRetries, TimeSpan CheckInterval, double Factor)
{
    /// <summary>The checker turned off, with the reference values for when it is turned on.</summary>
    public static ConnectionCheckerSettings Disabled { get; } = Create(KafkaReferenceConfig.Default.GetConfig("akka.kafka.consumer.connection-checker")).WithEnabled(false);

    /// <summary>An enabled checker.</summary>
    /// <param name="maxRetries">Failed requests tolerated after the first failure.</param>
    /// <param name="checkInterval">Time between checks.</param>
    /// <param name="factor">Backoff multiplier.</param>
    public static ConnectionCheckerSettings Create(int maxRetries, TimeSpan checkInterval, double factor) =>
        new ConnectionCheckerSettings(true, maxRetries, checkInterval, factor).Validated();

    /// <summary>Reads a section shaped like <c>akka.kafka.consumer.connection-checker</c>.</summary>
    /// <param name="config">The section.</param>
    public static ConnectionCheckerSettings Create(Config config) => new ConnectionCheckerSettings(
        config.GetBoolean("enabled"),
        config.GetInt("max-retries"),
        config.GetTimeSpan("check-interval"),
        config.GetDouble("backoff-factor")).Validated();

    /// <summary>Returns settings with the checker turned on or off.</summary>
    /// <param name="enabled">Whether the checker runs.</param>
    public ConnectionCheckerSettings WithEnabled(bool enabled) => this with { Enabled = enabled };

    /// <summary>Returns settings with another retry count.</summary>
    /// <param name="maxRetries">Failed requests tolerated after the first failure.</param>
    public ConnectionCheckerSettings WithMaxRetries(int maxRetries) => (this with { MaxRetries = maxRetries }).Validated();

    /// <summary>Returns settings with another check interval.</summary>
    /// <param name="checkInterval">Time between checks.</param>
    public ConnectionCheckerSettings WithCheckInterval(TimeSpan checkInterval) => (this with { CheckInterval = checkInterval }).Validated();

    /// <summary>Returns settings with another backoff factor.</summary>
    /// <param name="factor">Backoff multiplier.</param>
    public ConnectionCheckerSettings WithFactor(double factor) => (this with { Factor = factor }).Validated();

    private ConnectionCheckerSettings Validated() =>
        MaxRetries < 0 ? throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "max-retries must be zero or more.")
        : CheckInterval <= TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(CheckInterval), CheckInterval, "check-interval must be positive.")
        : Factor < 1 ? throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "backoff-factor must be at least 1.")
        : this;
}
