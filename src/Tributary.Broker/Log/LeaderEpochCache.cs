namespace Tributary.Broker.Log;

/// <summary>
/// Which leader epoch started at which offset, the record OffsetForLeaderEpoch answers from: a client that
/// saw epoch E asks where E ended, to detect that its position was truncated after a leader change.
/// Not thread-safe: the owning <see cref="PartitionLog"/> calls it under its lock.
/// </summary>
internal sealed class LeaderEpochCache
{
    /// <summary>The "no epoch" value of the protocol.</summary>
    public const int UndefinedEpoch = -1;

    /// <summary>The "no offset" value of the protocol.</summary>
    public const long UndefinedOffset = -1;

    private readonly List<(int Epoch, long StartOffset)> _entries = new();

    /// <summary>Every epoch and the offset it started at, oldest first (what leader-epoch-checkpoint holds).</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> Entries => _entries;

    /// <summary>The newest epoch that wrote to the log, or <see cref="UndefinedEpoch"/>.</summary>
    public int LatestEpoch => _entries.Count == 0 ? UndefinedEpoch : _entries[^1].Epoch;

    /// <summary>
    /// Notes that <paramref name="epoch"/> starts at <paramref name="offset"/>: called when a leader is elected
    /// (at the log end, as Kafka does) and for every appended batch (a no-op unless its epoch is new). Entries
    /// that conflict (a later epoch, or one starting at or after the offset: an election that wrote nothing
    /// before this replica followed another leader) are dropped first, as Kafka's epoch cache does.
    /// Returns true when the cache changed.
    /// </summary>
    public bool Assign(int epoch, long offset)
    {
        if (epoch < 0 || epoch == LatestEpoch) return false;
        _entries.RemoveAll(e => e.Epoch >= epoch || e.StartOffset >= offset);
        _entries.Add((epoch, offset));
        return true;
    }

    /// <summary>Forgets the epochs that start at or after <paramref name="offset"/> (the log was truncated there); true when any went.</summary>
    public bool TruncateFrom(long offset) => _entries.RemoveAll(e => e.StartOffset >= offset) > 0;

    /// <summary>
    /// The largest epoch at most <paramref name="requestedEpoch"/> and the offset where it ended (the start of
    /// the next epoch, or the log end for the latest one), with Kafka's answers for the edge cases.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        if (requestedEpoch == UndefinedEpoch) return (UndefinedEpoch, UndefinedOffset);
        if (requestedEpoch == LatestEpoch) return (LatestEpoch, logEndOffset);
        var higher = _entries.FindIndex(e => e.Epoch > requestedEpoch);
        if (higher < 0) return (UndefinedEpoch, UndefinedOffset);
        return higher == 0
            ? (requestedEpoch, _entries[0].StartOffset)
            : (_entries[higher - 1].Epoch, _entries[higher].StartOffset);
    }
}
