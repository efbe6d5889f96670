using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// The consumer protocol's subscription metadata (ConsumerProtocolSubscription, versions 0-3, never flexible): an
/// int16 version, the topics (int32-counted int16-length strings), user data (nullable int32-length bytes), from
/// v1 the owned partitions (topic name and int32 partitions), from v2 the generation, from v3 the rack.
/// </summary>
/// <param name="Version">The version the client wrote.</param>
/// <param name="Topics">The subscribed topics.</param>
/// <param name="OwnedPartitions">The partitions the member owns (v1+), by topic name; empty before v1.</param>
/// <param name="RackId">The rack (v3+), or null.</param>
internal sealed record ConsumerProtocolSubscription(short Version, IReadOnlyList<string> Topics, IReadOnlyList<(string Topic, int Partition)> OwnedPartitions, string? RackId)
{
    /// <summary>The protocol type of Kafka consumers.</summary>
    public const string ProtocolType = "consumer";

    /// <summary>The subscribed topics, or false when the metadata cannot be read.</summary>
    public static bool TryReadTopics(byte[] metadata, out IReadOnlyList<string> topics)
    {
        var subscription = TryRead(metadata);
        topics = subscription?.Topics ?? [];
        return subscription is not null;
    }

    /// <summary>The whole subscription, or null when the metadata cannot be read.</summary>
    public static ConsumerProtocolSubscription? TryRead(byte[] metadata)
    {
        try
        {
            var reader = new KafkaReader(metadata);
            var version = reader.ReadInt16();
            var topics = ReadStrings(ref reader);
            if (version < 1 || reader.Remaining == 0)
                return new ConsumerProtocolSubscription(version, topics, [], null);
            reader.ReadNullableBytes();
            var owned = ConsumerProtocolAssignment.ReadTopicPartitions(ref reader);
            if (version >= 2)
                reader.ReadInt32();
            var rack = version >= 3 ? reader.ReadNullableString() : null;
            return new ConsumerProtocolSubscription(version, topics, owned, rack);
        }
        catch (KafkaProtocolException)
        {
            return null;
        }
    }

    private static List<string> ReadStrings(ref KafkaReader reader)
    {
        var count = reader.ReadArrayLength(minElementSize: 2);
        var names = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
            names.Add(reader.ReadString());
        return names;
    }
}

/// <summary>
/// The consumer protocol's assignment (ConsumerProtocolAssignment, versions 0-3, the same fields in each): an
/// int16 version, the partitions by topic name, then user data. What SyncGroup carries to classic consumers.
/// </summary>
internal static class ConsumerProtocolAssignment
{
    /// <summary>The assigned partitions, or null when the bytes cannot be read (empty bytes: nothing assigned).</summary>
    public static IReadOnlyList<(string Topic, int Partition)>? TryRead(byte[] assignment)
    {
        if (assignment.Length == 0)
            return [];
        try
        {
            var reader = new KafkaReader(assignment);
            reader.ReadInt16();
            return ReadTopicPartitions(ref reader);
        }
        catch (KafkaProtocolException)
        {
            return null;
        }
    }

    /// <summary>The assignment in <paramref name="version"/> (0-3) without user data.</summary>
    public static byte[] Write(short version, IEnumerable<(string Topic, int Partition)> partitions)
    {
        using var output = new PooledBufferWriter();
        var writer = new KafkaWriter(output);
        writer.WriteInt16(Math.Clamp(version, (short)0, (short)3));
        var byTopic = partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        writer.WriteArrayLength(byTopic.Count);
        foreach (var topic in byTopic)
        {
            writer.WriteNullableString(topic.Key);
            var indexes = topic.Select(p => p.Partition).Order().ToList();
            writer.WriteArrayLength(indexes.Count);
            foreach (var index in indexes)
                writer.WriteInt32(index);
        }
        writer.WriteNullableBytes([], isNull: true);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads an int32-counted array of (topic name, int32-counted partitions).</summary>
    public static List<(string Topic, int Partition)> ReadTopicPartitions(ref KafkaReader reader)
    {
        var result = new List<(string, int)>();
        var topics = reader.ReadArrayLength(minElementSize: 6);
        for (var t = 0; t < topics; t++)
        {
            var topic = reader.ReadString();
            var partitions = reader.ReadArrayLength(minElementSize: 4);
            for (var p = 0; p < partitions; p++)
                result.Add((topic, reader.ReadInt32()));
        }
        return result;
    }
}
