using System.Collections.Immutable;
using ActorSystem = Akka.Actor.ActorSystem;
using Config = Akka.Configuration.Config;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tributary.Streams.Settings;

/// <summary>
/// Settings of a Kafka consumer source: Confluent.Kafka client properties plus the behaviour of the poll thread.
/// Immutable; every <c>With</c> method returns a copy.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public sealed record ConsumerSettings<TKey, TValue>
{
    private ConsumerSettings() { }

    /// <summary>Key deserializer; null uses Confluent.Kafka's default for <typeparamref name="TKey"/>.</summary>
    public IDeserializer<TKey>? KeyDeserializer { get; init; }

    /// <summary>Value deserializer; null uses Confluent.Kafka's default for <typeparamref name="TValue"/>.</summary>
    public IDeserializer<TValue>? ValueDeserializer { get; init; }

    /// <summary>Confluent.Kafka (librdkafka) properties, for example <c>bootstrap.servers</c>.</summary>
    public ImmutableDictionary<string, string> Properties { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// How long the poll thread blocks in Consume when it has nothing else to do; librdkafka cannot be woken from that
    /// wait, so it also bounds how long a commit, a stop or a shutdown waits for the poll thread.
    /// </summary>
    public TimeSpan PollInterval { get; init; }

    /// <summary>Delay between a shutdown request and closing the consumer (commits still in the stream may land meanwhile).</summary>
    public TimeSpan StopTimeout { get; init; }

    /// <summary>How long a commit may take before it fails with <see cref="CommitTimeoutException"/>.</summary>
    public TimeSpan CommitTimeout { get; init; }

    /// <summary>Timeout of metadata look-ups made by the consumer (offsets for times).</summary>
    public TimeSpan MetadataRequestTimeout { get; init; }

    /// <summary>
    /// Records a source buffers before the poll thread stops taking more for it (librdkafka's prefetch holds the
    /// rest); at twice this its partitions are paused. Both end when the source has drained to half of it.
    /// </summary>
    public int BufferSize { get; init; }

    /// <summary>Most records the poll thread hands over in one batch.</summary>
    public int MaxPollRecords { get; init; }

    /// <summary>Callbacks on partition assignment, revocation, loss and stop; run on the poll thread.</summary>
    public IPartitionEventHandler? PartitionHandler { get; init; }

    /// <summary>
    /// Decides what a record that fails to deserialize does: <see cref="Directive.Resume"/> skips it,
    /// anything else fails the source. Null fails the source.
    /// </summary>
    public Func<KafkaDeserializationException, Directive>? DeserializationDecider { get; init; }

    /// <summary>The connection checker (off by default): fails the source when its brokers stay unreachable.</summary>
    public ConnectionCheckerSettings ConnectionChecker { get; init; } = null!;

    /// <summary>
    /// Creates the consumer instead of Tributary's own builder, for example a test double. The consumer lacks the
    /// source's rebalance handlers, so it serves manual assignments only: a group subscription with a factory fails.
    /// </summary>
    public Func<ConsumerSettings<TKey, TValue>, IConsumer<TKey, TValue>>? ConsumerFactory { get; init; }

    /// <summary>Whether the broker may create a subscribed topic that does not exist (<c>allow.auto.create.topics</c>).</summary>
    public bool AutoCreateTopicsEnabled => Properties.GetValueOrDefault("allow.auto.create.topics") is "true";

    /// <summary>Logger for consumer events (rebalances, dropped commits, client errors); settings created from an actor
    /// system log to its log, others to nothing until <see cref="WithLogger"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The <c>group.id</c> property, or null when the source is not part of a consumer group.</summary>
    public string? GroupId => Properties.GetValueOrDefault("group.id");

    /// <summary>Creates settings from <c>akka.kafka.consumer</c> of the actor system's configuration.</summary>
    /// <param name="system">The actor system whose configuration to read.</param>
    /// <param name="keyDeserializer">Key deserializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueDeserializer">Value deserializer, or null for Confluent.Kafka's default.</param>
    public static ConsumerSettings<TKey, TValue> Create(ActorSystem system, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) =>
        FromSection(KafkaReferenceConfig.SectionOf(system, "akka.kafka.consumer"), keyDeserializer, valueDeserializer) with
        {
            Logger = AkkaLogger.For(system, "Tributary.Streams.Consumer"),
        };

    /// <summary>Creates settings from a section shaped like <c>akka.kafka.consumer</c>.</summary>
    /// <param name="config">The section; missing keys take the reference values.</param>
    /// <param name="keyDeserializer">Key deserializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueDeserializer">Value deserializer, or null for Confluent.Kafka's default.</param>
    public static ConsumerSettings<TKey, TValue> Create(Config config, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) =>
        FromSection(KafkaReferenceConfig.WithReference(config, "akka.kafka.consumer"), keyDeserializer, valueDeserializer);

    /// <summary>Creates settings with the reference defaults.</summary>
    /// <param name="keyDeserializer">Key deserializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueDeserializer">Value deserializer, or null for Confluent.Kafka's default.</param>
    public static ConsumerSettings<TKey, TValue> Create(IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) =>
        Create(Config.Empty, keyDeserializer, valueDeserializer);

    private static ConsumerSettings<TKey, TValue> FromSection(Config c, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) => new()
    {
        KeyDeserializer = keyDeserializer,
        ValueDeserializer = valueDeserializer,
        Properties = KafkaReferenceConfig.KafkaClientProperties(c).ToImmutableDictionary(),
        PollInterval = c.GetTimeSpan("poll-interval"),
        StopTimeout = c.GetTimeSpan("stop-timeout"),
        CommitTimeout = c.GetTimeSpan("commit-timeout"),
        MetadataRequestTimeout = c.GetTimeSpan("metadata-request-timeout"),
        BufferSize = c.GetInt("buffer-size"),
        MaxPollRecords = c.GetInt("max-poll-records"),
        ConnectionChecker = ConnectionCheckerSettings.Create(c.GetConfig("connection-checker")),
    };

    /// <summary>Returns settings with <c>bootstrap.servers</c> set.</summary>
    /// <param name="bootstrapServers">Comma-separated host:port list.</param>
    public ConsumerSettings<TKey, TValue> WithBootstrapServers(string bootstrapServers) => WithProperty("bootstrap.servers", bootstrapServers);

    /// <summary>Returns settings with <c>group.id</c> set.</summary>
    /// <param name="groupId">Consumer group id.</param>
    public ConsumerSettings<TKey, TValue> WithGroupId(string groupId) => WithProperty("group.id", groupId);

    /// <summary>Returns settings with <c>client.id</c> set.</summary>
    /// <param name="clientId">Client id shown in broker logs.</param>
    public ConsumerSettings<TKey, TValue> WithClientId(string clientId) => WithProperty("client.id", clientId);

    /// <summary>Returns settings with one Confluent.Kafka property set.</summary>
    /// <param name="key">librdkafka property name.</param>
    /// <param name="value">Property value.</param>
    public ConsumerSettings<TKey, TValue> WithProperty(string key, string value) => this with { Properties = Properties.SetItem(key, value) };

    /// <summary>Returns settings with several Confluent.Kafka properties set.</summary>
    /// <param name="properties">librdkafka property names and values.</param>
    public ConsumerSettings<TKey, TValue> WithProperties(IEnumerable<KeyValuePair<string, string>> properties) => this with { Properties = Properties.SetItems(properties) };

    /// <summary>Returns settings with another poll interval.</summary>
    /// <param name="pollInterval">Longest block in Consume; positive.</param>
    public ConsumerSettings<TKey, TValue> WithPollInterval(TimeSpan pollInterval) => this with { PollInterval = Positive(pollInterval, nameof(pollInterval)) };

    /// <summary>Returns settings with another stop timeout.</summary>
    /// <param name="stopTimeout">Delay before closing the consumer on shutdown; zero or more.</param>
    public ConsumerSettings<TKey, TValue> WithStopTimeout(TimeSpan stopTimeout) =>
        this with { StopTimeout = stopTimeout >= TimeSpan.Zero ? stopTimeout : throw new ArgumentOutOfRangeException(nameof(stopTimeout)) };

    /// <summary>Returns settings with another commit timeout.</summary>
    /// <param name="commitTimeout">Longest wait for a commit; positive.</param>
    public ConsumerSettings<TKey, TValue> WithCommitTimeout(TimeSpan commitTimeout) => this with { CommitTimeout = Positive(commitTimeout, nameof(commitTimeout)) };

    /// <summary>Returns settings with another metadata request timeout.</summary>
    /// <param name="timeout">Longest wait for a metadata look-up; positive.</param>
    public ConsumerSettings<TKey, TValue> WithMetadataRequestTimeout(TimeSpan timeout) => this with { MetadataRequestTimeout = Positive(timeout, nameof(timeout)) };

    /// <summary>Returns settings with another per-source buffer size.</summary>
    /// <param name="bufferSize">Records buffered before the poll thread stops taking more; at least 2.</param>
    public ConsumerSettings<TKey, TValue> WithBufferSize(int bufferSize) =>
        this with { BufferSize = bufferSize >= 2 ? bufferSize : throw new ArgumentOutOfRangeException(nameof(bufferSize)) };

    /// <summary>Returns settings with another poll batch size.</summary>
    /// <param name="maxPollRecords">Most records per hand-over; at least 1.</param>
    public ConsumerSettings<TKey, TValue> WithMaxPollRecords(int maxPollRecords) =>
        this with { MaxPollRecords = maxPollRecords >= 1 ? maxPollRecords : throw new ArgumentOutOfRangeException(nameof(maxPollRecords)) };

    /// <summary>Returns settings with a partition assignment handler.</summary>
    /// <param name="handler">Callbacks run on the poll thread.</param>
    public ConsumerSettings<TKey, TValue> WithPartitionHandler(IPartitionEventHandler handler) => this with { PartitionHandler = handler };

    /// <summary>Returns settings with a decider for records that fail to deserialize.</summary>
    /// <param name="decider">Resume skips the record; anything else fails the source.</param>
    public ConsumerSettings<TKey, TValue> WithDeserializationDecider(Func<KafkaDeserializationException, Directive> decider) => this with { DeserializationDecider = decider };

    /// <summary>Returns settings with another key deserializer.</summary>
    /// <param name="deserializer">The key deserializer.</param>
    public ConsumerSettings<TKey, TValue> WithKeyDeserializer(IDeserializer<TKey> deserializer) => this with { KeyDeserializer = deserializer };

    /// <summary>Returns settings with another value deserializer.</summary>
    /// <param name="deserializer">The value deserializer.</param>
    public ConsumerSettings<TKey, TValue> WithValueDeserializer(IDeserializer<TValue> deserializer) => this with { ValueDeserializer = deserializer };

    /// <summary>Returns settings with another connection checker.</summary>
    /// <param name="connectionChecker">The checker's settings (<see cref="ConnectionCheckerSettings.Create(int,TimeSpan,double)"/> enables it).</param>
    public ConsumerSettings<TKey, TValue> WithConnectionChecker(ConnectionCheckerSettings connectionChecker) => this with { ConnectionChecker = connectionChecker };

    /// <summary>Returns settings that let (or forbid) the broker create subscribed topics (<c>allow.auto.create.topics</c>).</summary>
    /// <param name="enabled">Whether topics may be created by subscribing.</param>
    public ConsumerSettings<TKey, TValue> WithAutoCreateTopicsEnabled(bool enabled) => WithProperty("allow.auto.create.topics", enabled ? "true" : "false");

    /// <summary>Returns settings with a consumer factory (see <see cref="ConsumerFactory"/>).</summary>
    /// <param name="factory">Creates the consumer.</param>
    public ConsumerSettings<TKey, TValue> WithConsumerFactory(Func<ConsumerSettings<TKey, TValue>, IConsumer<TKey, TValue>> factory) => this with { ConsumerFactory = factory };

    /// <summary>
    /// Builds a plain Confluent.Kafka consumer from these settings (properties, deserializers, logging), for code that
    /// polls it itself; the caller owns and disposes it.
    /// </summary>
    public IConsumer<TKey, TValue> CreateKafkaConsumer() => Builder()
        .SetErrorHandler((_, error) => Logger.LogKafkaClientError(error))
        .SetLogHandler((_, message) => Logger.LogKafkaClientMessage(message))
        .Build();

    /// <summary>A consumer builder with these settings' properties and deserializers; the caller adds handlers.</summary>
    internal ConsumerBuilder<TKey, TValue> Builder()
    {
        var builder = new ConsumerBuilder<TKey, TValue>(ToConsumerConfig());
        if (KeyDeserializer is not null)
            builder.SetKeyDeserializer(KeyDeserializer);
        if (ValueDeserializer is not null)
            builder.SetValueDeserializer(ValueDeserializer);
        return builder;
    }

    /// <summary>Returns settings with a logger.</summary>
    /// <param name="logger">Receives consumer events.</param>
    public ConsumerSettings<TKey, TValue> WithLogger(ILogger logger) => this with { Logger = logger };

    /// <summary>
    /// The decision of a source whose stream sets no supervision strategy: <see cref="DeserializationDecider"/> for
    /// records that fail to deserialize, if set; otherwise <see cref="DefaultConsumerDecider"/>.
    /// </summary>
    internal Directive Decide(Exception error) =>
        error is KafkaDeserializationException failure && DeserializationDecider is { } decider
            ? decider(failure)
            : new DefaultConsumerDecider(AutoCreateTopicsEnabled).Decide(error);

    /// <summary>The Confluent.Kafka configuration these settings describe.</summary>
    public ConsumerConfig ToConsumerConfig() => new(Properties.ToDictionary());

    private static TimeSpan Positive(TimeSpan value, string name) => value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name);
}
