using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// A group's committed offsets and the offsets open transactions staged for it (TxnOffsetCommit), held until
/// each transaction ends. Both group types keep one, and it moves with the group when the group changes type.
/// </summary>
internal sealed class GroupOffsets(GroupCoordinatorOptions options)
{
    private readonly Dictionary<OffsetKey, CommittedOffset> _committed = [];
    private readonly Dictionary<long, Dictionary<OffsetKey, CommittedOffset>> _pendingByProducer = [];

    /// <summary>Stores one committed offset, kept for <paramref name="retention"/> from now when given (OffsetCommit v2-v4).</summary>
    public ErrorCode Store(PartitionOffsetCommit offset, DateTimeOffset now, TimeSpan? retention = null) => Store(offset, now, _committed, now + retention);

    /// <summary>Stages one offset for <paramref name="producerId"/>'s transaction.</summary>
    public ErrorCode Stage(PartitionOffsetCommit offset, long producerId, DateTimeOffset now)
    {
        if (!_pendingByProducer.TryGetValue(producerId, out var pending))
            _pendingByProducer[producerId] = pending = [];
        return Store(offset, now, pending, null);
    }

    /// <summary>Ends <paramref name="producerId"/>'s transaction here: its staged offsets become committed, or are dropped.</summary>
    public void Complete(long producerId, bool commit)
    {
        if (!_pendingByProducer.Remove(producerId, out var pending) || !commit)
            return;
        foreach (var (key, offset) in pending)
            _committed[key] = offset;
    }

    /// <summary>The committed offsets of <paramref name="partitions"/>, or of every partition when null.</summary>
    public IReadOnlyList<FetchedOffset> Fetch(IReadOnlyList<OffsetKey>? partitions, bool requireStable)
    {
        var keys = partitions ?? _committed.Keys.OrderBy(k => k.Topic, StringComparer.Ordinal).ThenBy(k => k.Partition).ToList();
        return keys.Select(key => Fetch(key, requireStable)).ToList();
    }

    /// <summary>The partitions with a committed offset.</summary>
    public IReadOnlyCollection<OffsetKey> CommittedKeys => _committed.Keys;

    /// <summary>Takes the offsets a partition's log held for the group (a coordinator loading its partition).</summary>
    public void Restore(LoadedGroup loaded)
    {
        foreach (var (key, offset) in loaded.Offsets) _committed[key] = offset;
        foreach (var (producerId, key, offset) in loaded.Pending)
        {
            if (!_pendingByProducer.TryGetValue(producerId, out var pending)) _pendingByProducer[producerId] = pending = [];
            pending[key] = offset;
        }
    }

    /// <summary>The committed offset of <paramref name="key"/>, or null.</summary>
    public CommittedOffset? Committed(OffsetKey key) => _committed.GetValueOrDefault(key);

    /// <summary>Whether anything is left: committed offsets, or offsets an open transaction staged.</summary>
    public bool IsEmpty => _committed.Count == 0 && _pendingByProducer.Count == 0;

    /// <summary>
    /// The committed offsets that expired at <paramref name="now"/>, as Kafka's coordinator finds them: past their
    /// expire timestamp when the commit set one, else <paramref name="retention"/> after <paramref name="since"/>;
    /// never those of a topic the group consumes (<paramref name="subscribed"/>) or one an open transaction holds offsets for.
    /// </summary>
    public List<OffsetKey> Expired(DateTimeOffset now, TimeSpan retention, Func<CommittedOffset, DateTimeOffset> since, Func<string, bool> subscribed) =>
        _committed.Where(entry => !subscribed(entry.Key.Topic)
                && !_pendingByProducer.Values.Any(pending => pending.ContainsKey(entry.Key))
                && (entry.Value.ExpireTimestamp is { } expires ? now >= expires : now - since(entry.Value) >= retention))
            .Select(entry => entry.Key)
            .ToList();

    /// <summary>Forgets one partition's committed offset.</summary>
    public void Remove(OffsetKey key) => _committed.Remove(key);

    /// <summary>Forgets every committed offset (the group is deleted).</summary>
    public void Clear() => _committed.Clear();

    /// <summary>The answer for a partition without a committed offset.</summary>
    public static FetchedOffset NoOffset(OffsetKey key, ErrorCode error) => new(key, -1, -1, "", error);

    private ErrorCode Store(PartitionOffsetCommit offset, DateTimeOffset now, Dictionary<OffsetKey, CommittedOffset> into, DateTimeOffset? expireTimestamp)
    {
        var metadata = offset.Metadata ?? "";
        if (metadata.Length > options.MaxOffsetMetadataLength)
            return ErrorCode.OffsetMetadataTooLarge;
        into[offset.Key] = new CommittedOffset(offset.Offset, offset.LeaderEpoch, metadata, offset.CommitTimestamp ?? now, expireTimestamp);
        return ErrorCode.None;
    }

    private FetchedOffset Fetch(OffsetKey key, bool requireStable)
    {
        // An open transaction holding offsets for the partition makes require_stable answer UNSTABLE_OFFSET_COMMIT.
        if (requireStable && _pendingByProducer.Values.Any(pending => pending.ContainsKey(key)))
            return NoOffset(key, ErrorCode.UnstableOffsetCommit);
        return _committed.TryGetValue(key, out var committed)
            ? new FetchedOffset(key, committed.Offset, committed.LeaderEpoch, committed.Metadata, ErrorCode.None)
            : NoOffset(key, ErrorCode.None);
    }
}
