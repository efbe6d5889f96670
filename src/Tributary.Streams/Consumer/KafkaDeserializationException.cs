using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>A record's key or value could not be deserialized.</summary>
public sealed class KafkaDeserializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="record">Topic, partition and offset of the record.</param>
    /// <param name="isKey">Whether the key (rather than the value) failed.</param>
    /// <param name="inner">The deserializer's exception.</param>
    public KafkaDeserializationException(TopicPartitionOffset record, bool isKey, Exception? inner)
        : base($"Could not deserialize the {(isKey ? "key" : "value")} of the record at {record.Topic}[{record.Partition.Value}]@{record.Offset.Value}: {inner?.Message}", inner)
    {
        Record = record;
        IsKey = isKey;
    }

    /// <summary>Topic, partition and offset of the record.</summary>
    public TopicPartitionOffset Record { get; }

    /// <summary>Whether the key (rather than the value) failed.</summary>
    public bool IsKey { get; }
}

/// <summary>A commit was not acknowledged within the consumer's commit timeout.</summary>
/// <param name="message">What timed out.</param>
public sealed class CommitTimeoutException(string message) : TimeoutException(message);

/// <summary>The Kafka consumer of a source failed with an error it cannot recover from.</summary>
/// <param name="message">What failed.</param>
/// <param name="inner">The client's exception.</param>
public sealed class KafkaConsumerFailedException(string message, Exception inner) : Exception(message, inner);
