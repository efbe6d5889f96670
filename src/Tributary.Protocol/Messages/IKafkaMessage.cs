namespace Tributary.Protocol.Messages;

/// <summary>A Kafka protocol message (request, response, header or data) that can encode itself.</summary>
public interface IKafkaMessage
{
    /// <summary>Writes the message in the encoding of <paramref name="version"/>.</summary>
    /// <exception cref="UnsupportedVersionException">
    /// The version is not supported, or a field set to a non-default value does not exist in it.
    /// </exception>
    void Write(KafkaWriter writer, short version);
}

/// <summary>A Kafka request body.</summary>
public interface IKafkaRequest : IKafkaMessage
{
    /// <summary>The API this request belongs to.</summary>
    ApiKey ApiKey { get; }
}

/// <summary>A Kafka response body.</summary>
public interface IKafkaResponse : IKafkaMessage
{
    /// <summary>The API this response belongs to.</summary>
    ApiKey ApiKey { get; }
}
