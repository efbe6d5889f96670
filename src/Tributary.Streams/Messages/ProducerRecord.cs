using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Streams.Messages;

/// <summary>A record to produce: its destination (topic, optionally a fixed partition) and its message.</summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public sealed record ProducerRecord<TKey, TValue>
{
    /// <summary>A record for <paramref name="topic"/>, partitioned by the producer's partitioner.</summary>
    /// <param name="topic">Destination topic.</param>
    /// <param name="message">Key, value, headers and timestamp.</param>
    public ProducerRecord(string topic, Message<TKey, TValue> message)
    {
        TopicPartition = new TopicPartition(topic, Confluent.Kafka.Partition.Any);
        Message = message;
        CreationContext = CurrentContext();
    }

    /// <summary>A record for a fixed partition.</summary>
    /// <param name="partition">Destination topic and partition.</param>
    /// <param name="message">Key, value, headers and timestamp.</param>
    public ProducerRecord(TopicPartition partition, Message<TKey, TValue> message)
    {
        TopicPartition = partition;
        Message = message;
        CreationContext = CurrentContext();
    }

    /// <summary>A record with a key and value for <paramref name="topic"/>.</summary>
    /// <param name="topic">Destination topic.</param>
    /// <param name="key">Record key.</param>
    /// <param name="value">Record value.</param>
    public ProducerRecord(string topic, TKey key, TValue value)
        : this(topic, new Message<TKey, TValue> { Key = key, Value = value })
    {
    }

    /// <summary>A record with a value only (no key) for <paramref name="topic"/>.</summary>
    /// <param name="topic">Destination topic.</param>
    /// <param name="value">Record value.</param>
    public ProducerRecord(string topic, TValue value)
        : this(topic, new Message<TKey, TValue> { Value = value })
    {
    }

    /// <summary>A record with a value only (no key) for a fixed partition.</summary>
    /// <param name="partition">Destination topic and partition.</param>
    /// <param name="value">Record value.</param>
    public ProducerRecord(TopicPartition partition, TValue value)
        : this(partition, new Message<TKey, TValue> { Value = value })
    {
    }

    /// <summary>A record for <paramref name="topic"/> and, if given, a fixed partition (Akka.Streams.Kafka's shape).</summary>
    /// <param name="topic">Destination topic.</param>
    /// <param name="partition">Destination partition, or null to let the partitioner choose.</param>
    /// <param name="message">Key, value, headers and timestamp.</param>
    public ProducerRecord(string topic, int? partition, Message<TKey, TValue> message)
        : this(new TopicPartition(topic, partition is { } fixedPartition ? new Confluent.Kafka.Partition(fixedPartition) : Confluent.Kafka.Partition.Any), message)
    {
    }

    /// <summary>Destination topic and partition (<see cref="Confluent.Kafka.Partition.Any"/> lets the partitioner choose).</summary>
    public TopicPartition TopicPartition { get; }

    /// <summary>Destination topic.</summary>
    public string Topic => TopicPartition.Topic;

    /// <summary>The fixed destination partition, or null when the partitioner chooses.</summary>
    public int? Partition => TopicPartition.Partition == Confluent.Kafka.Partition.Any ? null : TopicPartition.Partition.Value;

    /// <summary>Key, value, headers and timestamp.</summary>
    public Message<TKey, TValue> Message { get; }

    /// <summary>
    /// The trace context current where the record was created (in a consume-transform-produce stream, the consumer's
    /// span of the record it was made from): the parent of the record's send span. Default when nothing traces.
    /// </summary>
    internal ActivityContext CreationContext { get; }

    private static ActivityContext CurrentContext() =>
        KafkaTelemetry.Source.HasListeners() && Activity.Current is { } current ? current.Context : default;
}
