using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Tributary.Streams.Settings;

/// <summary>
/// Builds consumer, producer and committer settings from Microsoft.Extensions.Configuration sections, for example
/// <c>configuration.GetSection("Kafka:Consumer").ToConsumerSettings(null, Deserializers.Utf8)</c>.
/// </summary>
public static class KafkaConfigurationBinder
{
    /// <summary>Binds a section to <see cref="KafkaConsumerOptions"/> and applies it over the reference defaults.</summary>
    /// <param name="section">The configuration section.</param>
    /// <param name="keyDeserializer">Key deserializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueDeserializer">Value deserializer, or null for Confluent.Kafka's default.</param>
    public static ConsumerSettings<TKey, TValue> ToConsumerSettings<TKey, TValue>(this IConfiguration section, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) =>
        Apply(ConsumerSettings<TKey, TValue>.Create(keyDeserializer, valueDeserializer), section.Get<KafkaConsumerOptions>() ?? new());

    /// <summary>Binds a section to <see cref="KafkaProducerOptions"/> and applies it over the reference defaults.</summary>
    /// <param name="section">The configuration section.</param>
    /// <param name="keySerializer">Key serializer, or null for Confluent.Kafka's default.</param>
    /// <param name="valueSerializer">Value serializer, or null for Confluent.Kafka's default.</param>
    public static ProducerSettings<TKey, TValue> ToProducerSettings<TKey, TValue>(this IConfiguration section, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer) =>
        Apply(ProducerSettings<TKey, TValue>.Create(keySerializer, valueSerializer), section.Get<KafkaProducerOptions>() ?? new());

    /// <summary>Binds a section to <see cref="KafkaCommitterOptions"/> and applies it over the reference defaults.</summary>
    /// <param name="section">The configuration section.</param>
    public static CommitterSettings ToCommitterSettings(this IConfiguration section) =>
        Apply(CommitterSettings.Default, section.Get<KafkaCommitterOptions>() ?? new());

    /// <summary>Applies the members that are set in <paramref name="options"/> to <paramref name="settings"/>.</summary>
    /// <param name="settings">Settings to start from.</param>
    /// <param name="options">Bound options.</param>
    public static ConsumerSettings<TKey, TValue> Apply<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, KafkaConsumerOptions options)
    {
        settings = settings.WithProperties(options.Properties);
        if (options.BootstrapServers is { } servers) settings = settings.WithBootstrapServers(servers);
        if (options.GroupId is { } groupId) settings = settings.WithGroupId(groupId);
        if (options.PollInterval is { } poll) settings = settings.WithPollInterval(poll);
        if (options.StopTimeout is { } stop) settings = settings.WithStopTimeout(stop);
        if (options.CommitTimeout is { } commit) settings = settings.WithCommitTimeout(commit);
        if (options.MetadataRequestTimeout is { } metadata) settings = settings.WithMetadataRequestTimeout(metadata);
        if (options.BufferSize is { } buffer) settings = settings.WithBufferSize(buffer);
        if (options.MaxPollRecords is { } records) settings = settings.WithMaxPollRecords(records);
        return settings;
    }

    /// <summary>Applies the members that are set in <paramref name="options"/> to <paramref name="settings"/>.</summary>
    /// <param name="settings">Settings to start from.</param>
    /// <param name="options">Bound options.</param>
    public static ProducerSettings<TKey, TValue> Apply<TKey, TValue>(ProducerSettings<TKey, TValue> settings, KafkaProducerOptions options)
    {
        settings = settings.WithProperties(options.Properties);
        if (options.BootstrapServers is { } servers) settings = settings.WithBootstrapServers(servers);
        if (options.Parallelism is { } parallelism) settings = settings.WithParallelism(parallelism);
        if (options.CloseTimeout is { } close) settings = settings.WithCloseTimeout(close);
        return settings;
    }

    /// <summary>Applies the members that are set in <paramref name="options"/> to <paramref name="settings"/>.</summary>
    /// <param name="settings">Settings to start from.</param>
    /// <param name="options">Bound options.</param>
    public static CommitterSettings Apply(CommitterSettings settings, KafkaCommitterOptions options)
    {
        if (options.MaxBatch is { } batch) settings = settings.WithMaxBatch(batch);
        if (options.MaxInterval is { } interval) settings = settings.WithMaxInterval(interval);
        if (options.Parallelism is { } parallelism) settings = settings.WithParallelism(parallelism);
        if (options.Delivery is { } delivery) settings = settings.WithDelivery(delivery);
        if (options.When is { } when) settings = settings.WithCommitWhen(when);
        return settings;
    }
}
