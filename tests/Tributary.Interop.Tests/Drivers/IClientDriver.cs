namespace Tributary.Interop.Tests.Drivers;

/// <summary>
/// One external Kafka client, driven through the same steps as every other, so each interop scenario is
/// written once and run against kafka-python, kafkajs and kcat alike.
/// </summary>
public interface IClientDriver
{
    /// <summary>Creates a topic with the client's own admin API.</summary>
    Task CreateTopicAsync(string bootstrap, string topic, int partitions, short replicationFactor);

    /// <summary>Produces records key-i / value-i for i in [start, start + count), with headers.</summary>
    Task ProduceAsync(string bootstrap, string topic, int start, int count);

    /// <summary>
    /// Consumes in a consumer group from the committed offsets (earliest when none), until
    /// <paramref name="expected"/> records arrived, or until idle when it is 0; stays at least
    /// <paramref name="minimumDuration"/> in the group.
    /// </summary>
    Task<ConsumeResult> ConsumeAsync(string bootstrap, string topic, string group, int expected, bool commit, TimeSpan minimumDuration);
}

/// <summary>One record as the client reported it; the timestamp when the client reports one (-1: the record has none).</summary>
public sealed record ConsumedRecord(int Partition, long Offset, string? Key, string? Value, IReadOnlyDictionary<string, string> Headers, long? Timestamp = null);

/// <summary>What one consumer-group member saw: the records, and each assignment it was given, in order.</summary>
public sealed record ConsumeResult(IReadOnlyList<ConsumedRecord> Records, IReadOnlyList<IReadOnlyList<int>> Assignments);
