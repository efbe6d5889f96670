using System.Collections.Immutable;
using Akka.Actor;
using Config = Akka.Configuration.Config;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tributary.Streams.Settings;

/// <summary>
/// Settings of a Kafka producer stage: Confluent.Kafka client properties, parallelism and close timeout.
/// Immutable; every <c>With</c> method returns a copy.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public sealed record ProducerSettings<TKey, TValue>
{
    private ProducerSettings() { }

    /// <summary>Key serializer; null uses Confluent.Kafka's default for <typeparamref name="TKey"/>.</summary>
    public ISerializer<TKey>? KeySerializer { get; init; }

    /// <summary>Value serializer; null uses Confluent.Kafka's default for <typeparamref name="TValue"/>.</summary>
    public ISerializer<TValue>? ValueSerializer { get; init; }

    /// <summary>Confluent.Kafka (librdkafka) properties, for example <c>bootstrap.servers</c>.</summary>
    public ImmutableDictionary<string, string> Properties { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Records in flight (sent, not yet acknowledged) per stage.</summary>
    public int Parallelism { get; init; }

    /// <summary>How long closing a producer waits for outstanding deliveries.</summary>
    public TimeSpan CloseTimeout { get; init; }

    /// <summary>
    /// A producer shared by several stages instead of one per materialization; the stages never dispose it.
    /// </summary>
    public IProducer<TKey, TValue>? Producer { get; init; }

    /// <summary>Logger for producer client errors; settings created from an actor system log to its log, others to
    /// nothing until <see cref="WithLogger"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Creates settings from <c>akka.kafka.producer</c> of the actor system's configuration.</summary>
    /// <param name="system">The actor system whose configuration to read.</param>
    /// <param name="keySerializer">Key serializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueSerializer">Value serializer, or null for Confluent.Kafka's default.</param>
    public static ProducerSettings<TKey, TValue> Create(ActorSystem system, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer) =>
        FromSection(KafkaReferenceConfig.SectionOf(system, "akka.kafka.producer"), keySerializer, valueSerializer) with
        {
            Logger = AkkaLogger.For(system, "Tributary.Streams.Producer"),
        };

    /// <summary>Creates settings from a section shaped like <c>akka.kafka.producer</c>.</summary>
    /// <param name="config">The section; missing keys take the reference values.</param>
    /// <param name="keySerializer">Key serializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueSerializer">Value serializer, or null for Confluent.Kafka's default.</param>
    public static ProducerSettings<TKey, TValue> Create(Config config, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer) =>
        FromSection(KafkaReferenceConfig.WithReference(config, "akka.kafka.producer"), keySerializer, valueSerializer);

    /// <summary>Creates settings with the reference defaults.</summary>
    /// <param name="keySerializer">Key serializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueSerializer">Value serializer, or null for Confluent.Kafka's default.</param>
    public static ProducerSettings<TKey, TValue> Create(ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer) =>
        Create(Config.Empty, keySerializer, valueSerializer);

    private static ProducerSettings<TKey, TValue> FromSection(Config c, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer) => new()
    {
        KeySerializer = keySerializer,
        ValueSerializer = valueSerializer,
        Properties = KafkaReferenceConfig.KafkaClientProperties(c).ToImmutableDictionary(),
        Parallelism = c.GetInt("parallelism"),
        CloseTimeout = c.GetTimeSpan("close-timeout"),
    };

    /// <summary>Returns settings with <c>bootstrap.servers</c> set.</summary>
    /// <param name="bootstrapServers">Comma-separated host:port list.</param>
    public ProducerSettings<TKey, TValue> WithBootstrapServers(string bootstrapServers) => WithProperty("bootstrap.servers", bootstrapServers);

    /// <summary>Returns settings with one Confluent.Kafka property set.</summary>
    /// <param name="key">librdkafka property name.</param>
    /// <param name="value">Property value.</param>
    public ProducerSettings<TKey, TValue> WithProperty(string key, string value) => this with { Properties = Properties.SetItem(key, value) };

    /// <summary>Returns settings with several Confluent.Kafka properties set.</summary>
    /// <param name="properties">librdkafka property names and values.</param>
    public ProducerSettings<TKey, TValue> WithProperties(IEnumerable<KeyValuePair<string, string>> properties) => this with { Properties = Properties.SetItems(properties) };

    /// <summary>Returns settings with another parallelism.</summary>
    /// <param name="parallelism">Produce requests in flight per stage, at least 1.</param>
    public ProducerSettings<TKey, TValue> WithParallelism(int parallelism) =>
        this with { Parallelism = parallelism > 0 ? parallelism : throw new ArgumentOutOfRangeException(nameof(parallelism)) };

    /// <summary>Returns settings with another close timeout.</summary>
    /// <param name="closeTimeout">Longest wait for outstanding deliveries on close.</param>
    public ProducerSettings<TKey, TValue> WithCloseTimeout(TimeSpan closeTimeout) =>
        this with { CloseTimeout = closeTimeout >= TimeSpan.Zero ? closeTimeout : throw new ArgumentOutOfRangeException(nameof(closeTimeout)) };

    /// <summary>Returns settings that use a shared producer instead of creating one per stage.</summary>
    /// <param name="producer">The producer; its owner disposes it.</param>
    public ProducerSettings<TKey, TValue> WithProducer(IProducer<TKey, TValue> producer) => this with { Producer = producer };

    /// <summary>Returns settings with another key serializer.</summary>
    /// <param name="serializer">The key serializer.</param>
    public ProducerSettings<TKey, TValue> WithKeySerializer(ISerializer<TKey> serializer) => this with { KeySerializer = serializer };

    /// <summary>Returns settings with another value serializer.</summary>
    /// <param name="serializer">The value serializer.</param>
    public ProducerSettings<TKey, TValue> WithValueSerializer(ISerializer<TValue> serializer) => this with { ValueSerializer = serializer };

    /// <summary>Returns settings with a logger.</summary>
    /// <param name="logger">Receives producer client errors.</param>
    public ProducerSettings<TKey, TValue> WithLogger(ILogger logger) => this with { Logger = logger };

    /// <summary>The Confluent.Kafka configuration these settings describe.</summary>
    public ProducerConfig ToProducerConfig() => new(Properties.ToDictionary());

    /// <summary>The shared producer of these settings, or a new one the caller owns (close it with <see cref="CloseIfOwned"/>).</summary>
    internal IProducer<TKey, TValue> SharedOrNewProducer() => Producer ?? CreateProducer();

    /// <summary>
    /// The producer of a stage: the shared one of these settings, or <see cref="NewStageProducer"/>;
    /// <paramref name="restoreHeaders"/> tells the stage to put each record's headers into its delivery report.
    /// </summary>
    internal IProducer<TKey, TValue> SharedOrNewStageProducer(out bool restoreHeaders)
    {
        restoreHeaders = false;
        return Producer ?? NewStageProducer(out restoreHeaders);
    }

    /// <summary>
    /// A new producer for a stage, which the caller owns (close it with <see cref="CloseIfOwned"/>): its delivery reports
    /// leave the headers out, unless the properties choose the reports' fields; <paramref name="restoreHeaders"/> then
    /// tells the stage to put each record's headers into its report (<see cref="DeliveryReportHeaders"/>).
    /// </summary>
    internal IProducer<TKey, TValue> NewStageProducer(out bool restoreHeaders)
    {
        restoreHeaders = !Properties.ContainsKey(DeliveryReportHeaders.FieldsProperty);
        return restoreHeaders ? WithProperty(DeliveryReportHeaders.FieldsProperty, DeliveryReportHeaders.AllButHeaders).CreateProducer() : CreateProducer();
    }

    /// <summary>
    /// Flushes outstanding records (up to the close timeout) and disposes <paramref name="producer"/>, unless it is the
    /// shared producer of these settings, which its owner disposes.
    /// </summary>
    internal void CloseIfOwned(IProducer<TKey, TValue> producer)
    {
        if (ReferenceEquals(producer, Producer))
            return;
        producer.Flush(CloseTimeout);
        producer.Dispose();
    }

    /// <summary>Builds a new producer from these settings; the caller owns and disposes it.</summary>
    public IProducer<TKey, TValue> CreateProducer()
    {
        var builder = new ProducerBuilder<TKey, TValue>(ToProducerConfig())
            .SetErrorHandler((_, error) => Logger.LogKafkaClientError(error))
            .SetLogHandler((_, message) => Logger.LogKafkaClientMessage(message));
        if (KeySerializer is not null)
            builder.SetKeySerializer(KeySerializer);
        if (ValueSerializer is not null)
            builder.SetValueSerializer(ValueSerializer);
        return builder.Build();
    }
}
