namespace Tributary.Streams;

/// <summary>Something that can be committed to Kafka: one offset or a batch of offsets.</summary>
public interface ICommittable
{
    /// <summary>Commits the offsets and completes when the broker acknowledged them (or they were dropped because
    /// their partitions are no longer assigned to this consumer).</summary>
    /// <param name="cancellationToken">Stops waiting; the commit itself may still happen.</param>
    Task CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>How many offsets this committable stands for.</summary>
    long BatchSize { get; }
}

/// <summary>Identifies a partition within a consumer group.</summary>
/// <param name="GroupId">Consumer group id.</param>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition number.</param>
public readonly record struct GroupTopicPartition(string GroupId, string Topic, int Partition);

/// <summary>The offset of a consumed record within its group and partition.</summary>
/// <param name="Key">Group, topic and partition.</param>
/// <param name="Offset">The record's offset; committing it stores <c>Offset + 1</c>, the next record to read.</param>
public readonly record struct PartitionOffset(GroupTopicPartition Key, long Offset);

/// <summary>The committable offset of one consumed record.</summary>
public interface ICommittableOffset : ICommittable
{
    /// <summary>Group, partition and offset of the record.</summary>
    PartitionOffset PartitionOffset { get; }
}

/// <summary>A committable offset carrying application metadata.</summary>
public interface ICommittableOffsetMetadata : ICommittableOffset
{
    /// <summary>
    /// Metadata derived from the record. Confluent.Kafka 2.x does not expose commit metadata, so it stays with the
    /// application (logging, external stores) and is not sent to the broker.
    /// </summary>
    string Metadata { get; }
}

/// <summary>Offsets of many records, at most one per group and partition (the highest).</summary>
public interface ICommittableOffsetBatch : ICommittable
{
    /// <summary>Returns a batch that also contains <paramref name="committable"/>.</summary>
    /// <param name="committable">An offset or another batch.</param>
    ICommittableOffsetBatch Updated(ICommittable committable);

    /// <summary>The highest offset per group and partition.</summary>
    IReadOnlyDictionary<GroupTopicPartition, long> Offsets { get; }

    /// <summary>Whether the batch holds no offsets.</summary>
    bool IsEmpty { get; }
}
