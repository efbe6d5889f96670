namespace Tributary.Streams.Internal;

/// <summary>
/// Accumulates committables into the next batch. With <see cref="CommitWhen.NextOffsetObserved"/> the latest
/// offset of each partition is held back until a later one arrives (or everything is flushed at completion).
/// </summary>
internal sealed class OffsetCollector(CommitWhen when)
{
    private readonly CommittableOffsetBatch.Builder _batch = new();
    private readonly Dictionary<GroupTopicPartition, IBoundOffset> _heldBack = new();

    /// <summary>Offsets in the next batch, ready to be committed (held-back ones not counted).</summary>
    public long Ready => _batch.BatchSize;

    /// <summary>Whether nothing is waiting to be committed, held back or not.</summary>
    public bool IsEmpty => _batch.IsEmpty && _heldBack.Count == 0;

    public void Add(ICommittable committable)
    {
        if (when == CommitWhen.OffsetFirstObserved || committable is not IBoundOffset offset)
        {
            _batch.Add(committable);
            return;
        }
        var key = offset.PartitionOffset.Key;
        if (_heldBack.TryGetValue(key, out var previous))
        {
            if (previous.PartitionOffset.Offset >= offset.PartitionOffset.Offset)
                return;
            _batch.Add(previous);
        }
        _heldBack[key] = offset;
    }

    /// <summary>Whether a batch can be taken now (held-back offsets alone do not make one).</summary>
    public bool HasBatch => !_batch.IsEmpty;

    /// <summary>Takes the offsets that may be committed now.</summary>
    public CommittableOffsetBatch TakeBatch()
    {
        var result = _batch.Build();
        _batch.Clear();
        return result;
    }

    /// <summary>Takes everything, held-back offsets included (the stream is completing).</summary>
    public CommittableOffsetBatch TakeAll()
    {
        foreach (var offset in _heldBack.Values)
            _batch.Add(offset);
        _heldBack.Clear();
        return TakeBatch();
    }
}
