using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Tributary.Streams.Tests;

/// <summary>Stands in for a consumer in committer tests: records commits and completes them as told.</summary>
internal sealed class RecordingCommitter(Func<Task>? completion = null) : IOffsetCommitter
{
    private int _inFlight;

    public string GroupId => "group";

    public ConcurrentQueue<IReadOnlyList<TopicPartitionOffset>> Commits { get; } = new();

    public int MaxInFlight { get; private set; }

    public async Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        Commits.Enqueue(offsets);
        var now = Interlocked.Increment(ref _inFlight);
        MaxInFlight = Math.Max(MaxInFlight, now);
        try
        {
            if (completion is not null)
                await completion();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public ICommittable Offset(long offset, int partition = 0) => ContextOffset(offset, partition);

    public ICommittableOffset ContextOffset(long offset, int partition = 0) =>
        new CommittableOffset(this, new TopicPartitionOffset("t", partition, offset));

    /// <summary>Committed offsets (next offset to read) in commit order, flattened.</summary>
    public long[] CommittedOffsets(int partition = 0) =>
        Commits.SelectMany(c => c).Where(o => o.Partition.Value == partition).Select(o => o.Offset.Value).ToArray();
}
