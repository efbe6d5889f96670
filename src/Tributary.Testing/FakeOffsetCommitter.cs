using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Internal;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Testing;

/// <summary>
/// Stands in for the consumer behind committable offsets in unit tests: it records every commit instead of sending
/// it. Offsets from <see cref="ConsumerResultFactory"/> bound to one committer run through Tributary's
/// <see cref="Committer"/> stages as offsets of a real source do (batched per partition, committed as the next
/// offset to read), so a test can check what a pipeline committed.
/// </summary>
public sealed class FakeOffsetCommitter : IOffsetCommitter
{
    private readonly object _gate = new();
    private readonly List<IReadOnlyList<TopicPartitionOffset>> _commits = [];
    private readonly Dictionary<TopicPartition, long> _committed = new();

    /// <summary>Creates a committer for the consumer group <paramref name="groupId"/>.</summary>
    /// <param name="groupId">The group the offsets belong to.</param>
    public FakeOffsetCommitter(string groupId = ConsumerResultFactory.DefaultGroupId) => GroupId = groupId;

    /// <summary>The consumer group of the offsets bound to this committer.</summary>
    public string GroupId { get; }

    /// <summary>Every commit received, in order: the next offset to read per partition, as a consumer would send it.</summary>
    public IReadOnlyList<IReadOnlyList<TopicPartitionOffset>> Commits
    {
        get { lock (_gate) return _commits.ToList(); }
    }

    /// <summary>
    /// The committed position per partition: the next offset a consumer of the group would read (the highest
    /// committed, as Kafka keeps it).
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, long> Committed
    {
        get { lock (_gate) return new Dictionary<TopicPartition, long>(_committed); }
    }

    /// <summary>Whether the record at <paramref name="offset"/> of <paramref name="partition"/> is covered by a commit.</summary>
    /// <param name="partition">The record's partition.</param>
    /// <param name="offset">The record's offset.</param>
    public bool IsCommitted(TopicPartition partition, long offset)
    {
        lock (_gate)
            return _committed.TryGetValue(partition, out var next) && next > offset;
    }

    Task IOffsetCommitter.CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _commits.Add(offsets.ToList());
            foreach (var offset in offsets)
            {
                if (!_committed.TryGetValue(offset.TopicPartition, out var known) || known < offset.Offset.Value)
                    _committed[offset.TopicPartition] = offset.Offset.Value;
            }
        }
        return Task.CompletedTask;
    }
}
