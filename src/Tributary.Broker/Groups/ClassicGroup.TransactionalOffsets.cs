using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// Offsets committed inside transactions (TxnOffsetCommit): held per producer until its transaction ends,
/// then made visible (commit) or dropped (abort).
/// </summary>
internal sealed partial class ClassicGroup
{
    private readonly Dictionary<long, Dictionary<OffsetKey, CommittedOffset>> _pendingByProducer = [];

    /// <summary>
    /// Stages the offsets of a TxnOffsetCommit for <paramref name="producerId"/>'s transaction; one error per offset.
    /// A member id or generation (KIP-447) must match the group, so a zombie of an older generation is fenced.
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitTransactionalOffsets(OffsetCommitCommand commit, long producerId, DateTimeOffset now)
    {
        var error = CheckTransactionalCommit(commit);
        if (error != ErrorCode.None)
            return commit.Offsets.Select(_ => error).ToList();
        if (!_pendingByProducer.TryGetValue(producerId, out var pending))
            _pendingByProducer[producerId] = pending = [];
        return commit.Offsets.Select(offset => Store(offset, now, pending)).ToList();
    }

    /// <summary>Ends <paramref name="producerId"/>'s transaction here: its staged offsets become committed, or are dropped.</summary>
    public void CompleteTransactionalOffsets(long producerId, bool commit)
    {
        if (!_pendingByProducer.Remove(producerId, out var pending) || !commit)
            return;
        foreach (var (key, offset) in pending)
            _offsets[key] = offset;
    }

    /// <summary>
    /// Whether an open transaction holds offsets for the partition, so that OffsetFetch with require_stable
    /// answers UNSTABLE_OFFSET_COMMIT.
    /// </summary>
    private bool HasPendingTransactionalOffsets(OffsetKey key) => _pendingByProducer.Values.Any(pending => pending.ContainsKey(key));

    /// <summary>
    /// Kafka's checks for transactional commits: old clients send neither member nor generation and are not
    /// checked; unlike plain commits, a rebalance in progress does not refuse them.
    /// </summary>
    private ErrorCode CheckTransactionalCommit(OffsetCommitCommand commit)
    {
        if (State == GroupState.Dead)
            return ErrorCode.CoordinatorNotAvailable;
        if (commit.GenerationId < 0 && State == GroupState.Empty)
            return ErrorCode.None;
        if (commit.GenerationId < 0 && commit.MemberId.Length == 0 && commit.GroupInstanceId is null)
            return ErrorCode.None;
        return CheckMember(commit.MemberId, commit.GroupInstanceId, commit.GenerationId, out _);
    }
}
