using Config = Akka.Configuration.Config;
using Confluent.Kafka;

namespace Tributary.Streams.Settings;

/// <summary>Akka.Streams.Kafka's entry points to the reference configuration and error classification.</summary>
public static class KafkaExtensions
{
    /// <summary>
    /// The reference configuration (<c>akka.kafka.consumer</c>, <c>akka.kafka.producer</c>, <c>akka.kafka.committer</c>),
    /// to put behind an actor system's own configuration: <c>config.WithFallback(KafkaExtensions.DefaultSettings)</c>.
    /// Settings created from an actor system fall back to it anyway.
    /// </summary>
    public static Config DefaultSettings => KafkaReferenceConfig.Default;

    /// <summary>Whether the error is a local key or value (de)serialization failure.</summary>
    /// <param name="error">A Confluent.Kafka error.</param>
    public static bool IsSerializationError(this Error error) => error.Code.IsSerializationError();

    /// <summary>Whether the code is a local key or value (de)serialization failure.</summary>
    /// <param name="code">A Confluent.Kafka error code.</param>
    public static bool IsSerializationError(this ErrorCode code) => code is
        ErrorCode.Local_KeySerialization or ErrorCode.Local_ValueSerialization or
        ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization;
}
