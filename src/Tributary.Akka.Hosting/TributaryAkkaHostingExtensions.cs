using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Hosting;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Hosting;
using Tributary.Streams.Helpers;
using Tributary.Streams.Settings;

namespace Tributary.Akka.Hosting;

/// <summary>
/// Tributary's <c>With...</c> methods for Akka.Hosting's <see cref="AkkaConfigurationBuilder"/>
/// (<c>services.AddAkka("name", builder =&gt; builder.WithKafkaStream(...))</c>): connector settings from the host's
/// configuration, and Kafka streams that run in the actor system Akka.Hosting owns, drain in its CoordinatedShutdown
/// and report their health through Akka.Hosting's health checks.
/// </summary>
public static class TributaryAkkaHostingExtensions
{
    /// <summary>
    /// The phase timeout this package gives <see cref="CoordinatedShutdown.PhaseServiceRequestsDone"/>, where streams
    /// drain, unless the application's configuration sets one (Akka's default, 5 s, is short for a consumer to
    /// commit and leave its group).
    /// </summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers consumer settings read from the host's configuration section <paramref name="configurationSection"/>
    /// (as <see cref="KafkaConfigurationBinder.ToConsumerSettings{TKey,TValue}"/> reads them, e.g. <c>"Kafka:Consumer"</c>)
    /// under <paramref name="name"/>, logging to the host's loggers (category <c>Tributary.Streams.{name}</c>); streams
    /// get them with <c>KafkaSettingsRegistry.For(context.System).Consumer&lt;TKey, TValue&gt;(name)</c>. Register
    /// settings before the streams that use them: both are set up in the order given, as the actor system starts.
    /// </summary>
    /// <param name="builder">Akka.Hosting's builder.</param>
    /// <param name="name">The settings' name.</param>
    /// <param name="configurationSection">The configuration section's path.</param>
    /// <param name="keyDeserializer">Key deserializer (null for the built-in one of <typeparamref name="TKey"/>).</param>
    /// <param name="valueDeserializer">Value deserializer (null for the built-in one of <typeparamref name="TValue"/>).</param>
    /// <typeparam name="TKey">Record key type.</typeparam>
    /// <typeparam name="TValue">Record value type.</typeparam>
    public static AkkaConfigurationBuilder WithKafkaConsumerSettings<TKey, TValue>(this AkkaConfigurationBuilder builder, string name, string configurationSection,
        IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        return builder.AddStartup((system, _) =>
        {
            var (configuration, logger) = FromHost(system, name);
            KafkaSettingsRegistry.For(system).AddConsumer(name,
                configuration.GetSection(configurationSection).ToConsumerSettings(keyDeserializer, valueDeserializer).WithLogger(logger));
        });
    }

    /// <summary>
    /// Registers producer settings read from the host's configuration section <paramref name="configurationSection"/>
    /// (as <see cref="KafkaConfigurationBinder.ToProducerSettings{TKey,TValue}"/> reads them, e.g. <c>"Kafka:Producer"</c>)
    /// under <paramref name="name"/>, logging to the host's loggers (category <c>Tributary.Streams.{name}</c>); streams
    /// get them with <c>KafkaSettingsRegistry.For(context.System).Producer&lt;TKey, TValue&gt;(name)</c>. Register
    /// settings before the streams that use them.
    /// </summary>
    /// <param name="builder">Akka.Hosting's builder.</param>
    /// <param name="name">The settings' name.</param>
    /// <param name="configurationSection">The configuration section's path.</param>
    /// <param name="keySerializer">Key serializer (null for the built-in one of <typeparamref name="TKey"/>).</param>
    /// <param name="valueSerializer">Value serializer (null for the built-in one of <typeparamref name="TValue"/>).</param>
    /// <typeparam name="TKey">Record key type.</typeparam>
    /// <typeparam name="TValue">Record value type.</typeparam>
    public static AkkaConfigurationBuilder WithKafkaProducerSettings<TKey, TValue>(this AkkaConfigurationBuilder builder, string name, string configurationSection,
        ISerializer<TKey>? keySerializer = null, ISerializer<TValue>? valueSerializer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        return builder.AddStartup((system, _) =>
        {
            var (configuration, logger) = FromHost(system, name);
            KafkaSettingsRegistry.For(system).AddProducer(name,
                configuration.GetSection(configurationSection).ToProducerSettings(keySerializer, valueSerializer).WithLogger(logger));
        });
    }

    /// <summary>
    /// Runs a Kafka stream in the actor system Akka.Hosting owns: <paramref name="run"/> materializes it once the system
    /// has started (after the start-up tasks registered before this call); the system's CoordinatedShutdown drains it
    /// (<c>DrainAndShutdown</c>) in its phase <c>service-requests-done</c>, so the host's stop, and anything else that
    /// runs the shutdown, lets the records in flight finish and their offsets be committed before actors stop. Also
    /// registers its health check through Akka.Hosting, named <paramref name="name"/>: healthy while it runs (and while it
    /// drains), unhealthy when it failed, completed on its own, or is stuck.
    /// </summary>
    /// <param name="builder">Akka.Hosting's builder.</param>
    /// <param name="name">The stream's name, for its logs and its health check.</param>
    /// <param name="run">Builds and runs the stream, e.g. <c>ctx =&gt; source.ToMaterialized(sink, DrainingControl&lt;Done&gt;.Create).Run(ctx.Materializer)</c>.</param>
    /// <param name="configure">Health check options.</param>
    /// <typeparam name="TResult">The stream's result type.</typeparam>
    public static AkkaConfigurationBuilder WithKafkaStream<TResult>(this AkkaConfigurationBuilder builder, string name,
        Func<KafkaStreamContext, DrainingControl<TResult>> run, Action<KafkaStreamOptions>? configure = null)
    {
        var state = KafkaStreamState.Register(name, run, configure);
        // A fallback: the application's own setting of this timeout wins.
        builder.AddHocon(ConfigurationFactory.ParseString(
            $"akka.coordinated-shutdown.phases.service-requests-done.timeout = {(long)DefaultDrainTimeout.TotalMilliseconds}ms"), HoconAddMode.Append);
        builder.AddStartup((system, _) =>
        {
            var services = DependencyResolver.For(system).Resolver.GetService<IServiceProvider>();
            var stream = new KafkaStreamService<TResult>(state, run, services, system);
            stream.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            var shutdown = CoordinatedShutdown.Get(system);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, $"tributary-drain-{name}", async () =>
            {
                // Within the phase's timeout: after it the shutdown moves on, and the drain is logged as cut short.
                using var phase = new CancellationTokenSource(shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone));
                await stream.StopAsync(phase.Token).ConfigureAwait(false);
                return Done.Instance;
            });
        });
        return builder.WithHealthCheck(new AkkaHealthCheckRegistration(name, new KafkaStreamAkkaHealthCheck(state), HealthStatus.Unhealthy, state.Options.HealthCheckTags));
    }

    private static (IConfiguration Configuration, ILogger Logger) FromHost(ActorSystem system, string name)
    {
        var resolver = DependencyResolver.For(system).Resolver;
        var configuration = resolver.GetService<IConfiguration>()
            ?? throw new InvalidOperationException("The host registers no IConfiguration; Kafka settings are read from the host's configuration.");
        var loggers = resolver.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        return (configuration, loggers.CreateLogger($"Tributary.Streams.{name}"));
    }
}
