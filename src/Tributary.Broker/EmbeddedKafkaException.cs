using Tributary.Protocol;

namespace Tributary.Broker;

/// <summary>An operation on an <see cref="EmbeddedKafkaCluster"/> failed the way Kafka would fail it.</summary>
public sealed class EmbeddedKafkaException : Exception
{
    /// <summary>Creates the exception with Kafka's error code and a message.</summary>
    public EmbeddedKafkaException(ErrorCode error, string message) : base($"{error}: {message}") => Error = error;

    /// <summary>The Kafka error code (for example TopicAlreadyExists).</summary>
    public ErrorCode Error { get; }
}
