namespace Tributary.Protocol.Messages.Internal;

/// <summary>
/// Kafka's framing of the records its coordinators write to <c>__consumer_offsets</c> and <c>__transaction_state</c>:
/// the record key is a 2-byte version followed by the key struct in that version, and the value likewise (a null value
/// is a tombstone). A key's version names its record type: 0 and 1 an <see cref="OffsetCommitKey"/>, 2 a
/// <see cref="GroupMetadataKey"/>, 3 to 8 the consumer group (KIP-848) records; in <c>__transaction_state</c>, 0 a
/// <see cref="TransactionLogKey"/>.
/// </summary>
public static class InternalRecord
{
    /// <summary>The key version of an offset commit as Kafka writes it.</summary>
    public const short OffsetCommitKeyVersion = 1;

    /// <summary>The key version of a classic group's metadata.</summary>
    public const short GroupMetadataKeyVersion = 2;

    /// <summary>The key version of a consumer group's (KIP-848) epoch record.</summary>
    public const short ConsumerGroupMetadataKeyVersion = 3;

    /// <summary>The key version of a consumer group's subscription metadata (the topics its members subscribe to).</summary>
    public const short ConsumerGroupPartitionMetadataKeyVersion = 4;

    /// <summary>The key version of a consumer group member's metadata.</summary>
    public const short ConsumerGroupMemberMetadataKeyVersion = 5;

    /// <summary>The key version of a consumer group's target assignment epoch.</summary>
    public const short ConsumerGroupTargetAssignmentMetadataKeyVersion = 6;

    /// <summary>The key version of one member's target assignment in a consumer group.</summary>
    public const short ConsumerGroupTargetAssignmentMemberKeyVersion = 7;

    /// <summary>The key version of one member's current assignment (epochs, state, partitions) in a consumer group.</summary>
    public const short ConsumerGroupCurrentMemberAssignmentKeyVersion = 8;

    /// <summary>The key version of a transactional id's state.</summary>
    public const short TransactionLogKeyVersion = 0;

    /// <summary><paramref name="message"/> in <paramref name="version"/>, after its 2-byte version.</summary>
    public static byte[] Encode(IKafkaMessage message, short version)
    {
        using var output = new PooledBufferWriter();
        var writer = new KafkaWriter(output);
        writer.WriteInt16(version);
        message.Write(writer, version);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads the 2-byte version that starts a key or value, leaving <paramref name="reader"/> at the struct.</summary>
    /// <exception cref="KafkaProtocolException">Fewer than 2 bytes.</exception>
    public static short ReadVersion(ref KafkaReader reader) => reader.ReadInt16();
}
