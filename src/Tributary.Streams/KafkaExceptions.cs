using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>
/// A record's key or value could not be deserialized: Confluent.Kafka's <see cref="ConsumeException"/> with
/// <see cref="ErrorCode.Local_KeyDeserialization"/> or <see cref="ErrorCode.Local_ValueDeserialization"/> (so code
/// written for Akka.Streams.Kafka catches it), naming the record's topic, partition and offset.
/// </summary>
public sealed class KafkaDeserializationException : ConsumeException
{
    /// <summary>Wraps the consumer's exception.</summary>
    /// <param name="error">The deserialization failure as Confluent.Kafka reported it.</param>
    public KafkaDeserializationException(ConsumeException error) : base(error.ConsumerRecord, error.Error, error.InnerException)
    {
    }

    /// <summary>Topic, partition and offset of the record.</summary>
    public TopicPartitionOffset Record => ConsumerRecord.TopicPartitionOffset;

    /// <summary>Whether the key (rather than the value) failed.</summary>
    public bool IsKey => Error.Code == ErrorCode.Local_KeyDeserialization;

    /// <inheritdoc />
    public override string Message =>
        $"Could not deserialize the {(IsKey ? "key" : "value")} of the record at {Record.Topic}[{Record.Partition.Value}]@{Record.Offset.Value}: {InnerException?.Message ?? Error.Reason}";
}

/// <summary>A commit was not acknowledged within the consumer's commit timeout.</summary>
/// <param name="message">What timed out.</param>
public sealed class CommitTimeoutException(string message) : TimeoutException(message);

/// <summary>The Kafka consumer of a source failed with an error it cannot recover from.</summary>
/// <param name="message">What failed.</param>
/// <param name="inner">The client's exception.</param>
public sealed class KafkaConsumerFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The connection checker (<see cref="Settings.ConnectionCheckerSettings"/>) could not reach the cluster in its
/// first attempt and all its retries; the source fails with it. Named as in Akka.Streams.Kafka, and a
/// <see cref="KafkaException"/> with <see cref="ErrorCode.Local_AllBrokersDown"/>.
/// </summary>
public sealed class KafkaConnectionFailed : KafkaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="attempts">Failed metadata requests in a row.</param>
    /// <param name="lastFailure">The last request's failure.</param>
    public KafkaConnectionFailed(int attempts, Exception lastFailure)
        : base(new Error(ErrorCode.Local_AllBrokersDown, $"Can't establish connection with the Kafka cluster after {attempts} attempts: {lastFailure.Message}"), lastFailure)
    {
        Attempts = attempts;
    }

    /// <summary>Failed metadata requests in a row.</summary>
    public int Attempts { get; }
}
