using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Tributary.Broker;
using Tributary.Streams.Helpers;

namespace Tributary.Hosting;

/// <summary>Registers Tributary's hosted services and health checks with Microsoft.Extensions.DependencyInjection.</summary>
public static class TributaryHostingExtensions
{
    /// <summary>
    /// Runs a Kafka stream for the host's lifetime: <paramref name="run"/> materializes it when the host starts; when the
    /// host stops it drains (<c>DrainAndShutdown</c>). Also registers its health check, named <paramref name="name"/>
    /// (healthy while running; unhealthy when failed, completed on its own or stuck). The stream runs in the
    /// <see cref="ActorSystem"/> of the services (Akka.Hosting's, or one registered by hand), else in one Tributary
    /// creates (named "tributary", terminated when the host's services are disposed).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The stream's name, for its logs and its health check.</param>
    /// <param name="run">Builds and runs the stream, e.g. <c>ctx =&gt; source.ToMaterialized(sink, DrainingControl&lt;Done&gt;.Create).Run(ctx.Materializer)</c>.</param>
    /// <param name="configure">Health check options.</param>
    /// <typeparam name="TResult">The stream's result type.</typeparam>
    public static IServiceCollection AddKafkaStream<TResult>(this IServiceCollection services, string name,
        Func<KafkaStreamContext, DrainingControl<TResult>> run, Action<KafkaStreamOptions>? configure = null)
    {
        var state = KafkaStreamState.Register(name, run, configure);
        services.TryAddSingleton(_ => ActorSystem.Create("tributary"));
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new KafkaStreamService<TResult>(state, run, provider));
        services.AddHealthChecks().AddCheck(name, new KafkaStreamHealthCheck(state), HealthStatus.Unhealthy, state.Options.HealthCheckTags);
        return services;
    }

    /// <summary>
    /// Runs the embedded Kafka cluster for the host's lifetime (for local development and tests), as a hosted service
    /// started before the hosted services registered after this call; <see cref="EmbeddedKafka"/> gives its bootstrap
    /// servers. Adds the health check "embedded-kafka" (the cluster answers a metadata request).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">
    /// The cluster's options (brokers, ports, ...), built with the host's services, e.g.
    /// <c>sp =&gt; new EmbeddedKafkaOptions { Brokers = 3, LoggerFactory = sp.GetRequiredService&lt;ILoggerFactory&gt;() }</c>;
    /// without it, one broker on a free port logging to the host's loggers.
    /// </param>
    public static IServiceCollection AddEmbeddedKafka(this IServiceCollection services, Func<IServiceProvider, EmbeddedKafkaOptions>? options = null)
    {
        services.AddSingleton<EmbeddedKafka>();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new EmbeddedKafkaService(
            provider.GetRequiredService<EmbeddedKafka>(),
            options?.Invoke(provider) ?? new EmbeddedKafkaOptions { LoggerFactory = provider.GetRequiredService<ILoggerFactory>() },
            provider.GetRequiredService<ILogger<EmbeddedKafka>>()));
        services.AddHealthChecks().AddKafkaBroker("embedded-kafka", provider => provider.GetRequiredService<EmbeddedKafka>().BootstrapServers);
        return services;
    }

    /// <summary>
    /// Adds a health check that a Kafka cluster answers a metadata request within <paramref name="timeout"/> (default 5 s).
    /// </summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="bootstrapServers">The cluster's bootstrap servers, read at each check (e.g. from configuration).</param>
    /// <param name="timeout">How long the cluster has to answer.</param>
    /// <param name="tags">The check's tags.</param>
    public static IHealthChecksBuilder AddKafkaBroker(this IHealthChecksBuilder builder, string name, Func<IServiceProvider, string> bootstrapServers,
        TimeSpan? timeout = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrapServers);
        return builder.Add(new HealthCheckRegistration(name,
            provider => new KafkaBrokerHealthCheck(bootstrapServers, provider, timeout ?? TimeSpan.FromSeconds(5)), HealthStatus.Unhealthy, tags ?? ["kafka"]));
    }
}
