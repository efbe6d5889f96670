using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>The committable offset of one record, bound to the consumer that read it.</summary>
internal class CommittableOffset : IBoundOffset
{
    public CommittableOffset(IOffsetCommitter committer, TopicPartitionOffset record)
    {
        Committer = committer;
        PartitionOffset = new PartitionOffset(new GroupTopicPartition(committer.GroupId, record.Topic, record.Partition.Value), record.Offset.Value);
    }

    public IOffsetCommitter Committer { get; }

    public PartitionOffset PartitionOffset { get; }

    public long BatchSize => 1;

    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        Committer.CommitAsync([new TopicPartitionOffset(PartitionOffset.Key.Topic, PartitionOffset.Key.Partition, PartitionOffset.Offset + 1)], cancellationToken);

    public override string ToString() => $"{PartitionOffset.Key.Topic}[{PartitionOffset.Key.Partition}]@{PartitionOffset.Offset} ({PartitionOffset.Key.GroupId})";
}

/// <summary>A committable offset that also carries application metadata.</summary>
internal sealed class CommittableOffsetWithMetadata(IOffsetCommitter committer, TopicPartitionOffset record, string metadata)
    : CommittableOffset(committer, record), ICommittableOffsetMetadata
{
    public string Metadata { get; } = metadata;
}
