using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Confluent.Kafka decodes every record's topic name from UTF-8 into a new string (a native call, a decode and an
/// allocation per record) unless <c>dotnet.consumer.consume.result.fields</c> leaves the topic out. A source reading one topic knows
/// that name already: its consumer leaves the topic out and the poll thread sets each record's topic to one string.
/// Only where no one can tell the difference:
/// <list type="bullet">
/// <item>the source builds the consumer itself (not <see cref="ConsumerSettings{TKey,TValue}.ConsumerFactory"/>) and
/// is its only reader (not a <see cref="Dsl.SharedKafkaConsumer{TKey,TValue}"/>);</item>
/// <item>the subscription names exactly one topic, and not as a pattern (librdkafka reads a name starting with
/// <c>^</c> as a regular expression), or the assignment's partitions are all of one topic;</item>
/// <item>the user has not set <c>dotnet.consumer.consume.result.fields</c> (the setting is theirs; if it leaves the topic out, the
/// topic is still filled in, or routing the records would fail on their null topic; a consumer of no single known topic refuses such a
/// setting, see <see cref="RequireTopicsOf{TKey,TValue}"/>);</item>
/// <item>both deserializers are Confluent.Kafka's built-in ones, which ignore the topic Confluent.Kafka passes them (a
/// user's deserializer, such as a schema registry's, may name its subject after it, so it gets the topic as before).</item>
/// </list>
/// A consume error of one partition (a record that failed to deserialize, a fetch error) gets the topic too; an error
/// of no partition (a topic-level error such as a subscribed topic that does not exist) keeps none, and names the
/// topic in its reason as before.
/// </summary>
internal static class TopicNames
{
    // Everything Confluent.Kafka marshals per record but the topic.
    private const string AllButTopic = "headers,timestamp";

    /// <summary>The one topic every record of <paramref name="subscription"/> is of, or null (several topics, a pattern).</summary>
    public static string? OnlyTopicOf(ISubscription subscription)
    {
        var topics = subscription switch
        {
            TopicSubscription named => named.Topics.Distinct().ToList(),
            IManualSubscription manual => manual.Partitions.Select(p => p.Topic).Distinct().ToList(),
            _ => [],
        };
        return topics is [var topic] && !topic.StartsWith('^') ? topic : null;
    }

    /// <summary>
    /// The settings to build the consumer from: <paramref name="settings"/>, asking Confluent.Kafka not to decode topic
    /// names where <paramref name="onlyTopic"/> is known and no one else sees them (see the class summary).
    /// </summary>
    public static ConsumerSettings<TKey, TValue> Settings<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, string? onlyTopic) =>
        onlyTopic is not null && !settings.Properties.ContainsKey(ConfigPropertyNames.Consumer.ConsumeResultFields)
            && IgnoresTopic(settings.KeyDeserializer) && IgnoresTopic(settings.ValueDeserializer)
            ? settings.WithProperty(ConfigPropertyNames.Consumer.ConsumeResultFields, AllButTopic)
            : settings;

    /// <summary>
    /// Fails, with the reason, a consumer the source builds whose records would come without a topic it cannot fill in:
    /// a user's <c>dotnet.consumer.consume.result.fields</c> leaving the topic out, on a consumer of no single known topic
    /// (several topics, a pattern, a shared consumer). Its records could not be routed to their partitions' sources.
    /// </summary>
    public static void RequireTopicsOf<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, string? onlyTopic)
    {
        if (onlyTopic is not null || !settings.Properties.TryGetValue(ConfigPropertyNames.Consumer.ConsumeResultFields, out var fields))
            return;
        // Confluent.Kafka's reading: spaces ignored, "all", "none", or a list of headers, timestamp and topic.
        var named = fields.Replace(" ", "");
        if (named != "all" && !named.Split(',').Contains("topic"))
            throw new ArgumentException($"'{ConfigPropertyNames.Consumer.ConsumeResultFields}' is '{fields}', which leaves out the topic: a source of " +
                "several topics, of a pattern or on a shared consumer routes records by their topic, so the value must be 'all' or name 'topic'.");
    }

    /// <summary>Sets the topic of a failed record of one partition that came without one.</summary>
    public static void Fill(ConsumeResult<byte[], byte[]>? failed, string topic)
    {
        if (failed is { Topic: null } && failed.Partition.Value >= 0)
            failed.Topic = topic;
    }

    // Null is Confluent.Kafka's default for the type, one of these; the fields are compared as they are now, at build.
    private static bool IgnoresTopic(object? deserializer) =>
        deserializer is null
        || ReferenceEquals(deserializer, Deserializers.ByteArray) || ReferenceEquals(deserializer, Deserializers.Utf8)
        || ReferenceEquals(deserializer, Deserializers.Null) || ReferenceEquals(deserializer, Deserializers.Ignore)
        || ReferenceEquals(deserializer, Deserializers.Int32) || ReferenceEquals(deserializer, Deserializers.Int64)
        || ReferenceEquals(deserializer, Deserializers.Single) || ReferenceEquals(deserializer, Deserializers.Double);
}
