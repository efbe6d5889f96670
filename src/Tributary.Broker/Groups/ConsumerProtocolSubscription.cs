using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// Reads the topic list from the consumer protocol's subscription metadata (ConsumerProtocolSubscription,
/// versions 0-3, never flexible: an int16 version, then the topics as an int32-counted array of int16-length strings).
/// </summary>
internal static class ConsumerProtocolSubscription
{
    /// <summary>The protocol type of Kafka consumers.</summary>
    public const string ProtocolType = "consumer";

    /// <summary>The subscribed topics, or false when the metadata cannot be read.</summary>
    public static bool TryReadTopics(byte[] metadata, out IReadOnlyList<string> topics)
    {
        try
        {
            var reader = new KafkaReader(metadata);
            reader.ReadInt16();
            var count = reader.ReadArrayLength(minElementSize: 2);
            var names = new List<string>(Math.Max(count, 0));
            for (var i = 0; i < count; i++)
                names.Add(reader.ReadString());
            topics = names;
            return true;
        }
        catch (KafkaProtocolException)
        {
            topics = [];
            return false;
        }
    }
}
