using Confluent.Kafka;

namespace Tributary.Streams.Messages;

/// <summary>Something that can be committed to Kafka: one offset or a batch of offsets.</summary>
public interface ICommittable
{
    /// <summary>Commits the offsets and completes when the broker acknowledged them (or they were dropped because
    /// their partitions are no longer assigned to this consumer).</summary>
    /// <param name="cancellationToken">Stops waiting; the commit itself may still happen.</param>
    Task CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>How many offsets this committable stands for.</summary>
    long BatchSize { get; }

    /// <summary>Akka.Streams.Kafka's name for <see cref="CommitAsync"/>.</summary>
    Task Commit() => CommitAsync();
}

/// <summary>Identifies a partition within a consumer group.</summary>
/// <param name="GroupId">Consumer group id.</param>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition number.</param>
public readonly record struct GroupTopicPartition(string GroupId, string Topic, int Partition);

/// <summary>The offset of a consumed record within its group and partition (Alpakka Kafka's <c>PartitionOffset</c>).</summary>
/// <param name="Key">Group, topic and partition.</param>
/// <param name="Offset">The record's offset; committing it stores <c>Offset + 1</c>, the next record to read.</param>
public readonly record struct PartitionOffset(GroupTopicPartition Key, long Offset);

/// <summary>
/// The offset of a consumed record within its group and partition, as a class (Akka.Streams.Kafka's shape): the
/// pass-through of transactional flows (<see cref="TransactionalMessage{TKey,TValue}.PartitionOffset"/>) and what
/// <see cref="ICommittableOffset.Offset"/> returns.
/// </summary>
/// <param name="GroupId">Consumer group id.</param>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition number.</param>
/// <param name="Offset">The record's offset.</param>
public record GroupTopicPartitionOffset(string GroupId, string Topic, int Partition, Offset Offset)
{
    /// <summary>Creates the offset of a record of a group's partition.</summary>
    /// <param name="groupTopicPartition">Group, topic and partition.</param>
    /// <param name="offset">The record's offset.</param>
    public GroupTopicPartitionOffset(GroupTopicPartition groupTopicPartition, Offset offset)
        : this(groupTopicPartition.GroupId, groupTopicPartition.Topic, groupTopicPartition.Partition, offset)
    {
    }

    /// <summary>Group, topic and partition.</summary>
    public GroupTopicPartition GroupTopicPartition => new(GroupId, Topic, Partition);

    /// <summary>Topic and partition.</summary>
    public TopicPartition TopicPartition => new(Topic, Partition);
}

/// <summary>The committable offset of one consumed record.</summary>
public interface ICommittableOffset : ICommittable
{
    /// <summary>Group, partition and offset of the record (a value, nothing allocated).</summary>
    PartitionOffset PartitionOffset { get; }

    /// <summary>Akka.Streams.Kafka's shape of <see cref="PartitionOffset"/>: group, partition and offset as a class.</summary>
    GroupTopicPartitionOffset Offset => new(PartitionOffset.Key, new Offset(PartitionOffset.Offset));
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
