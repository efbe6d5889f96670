namespace Tributary.Broker.Groups;

/// <summary>One step of a member's reconciliation: its new epoch, state and partitions.</summary>
/// <param name="MemberEpoch">The member epoch after the step.</param>
/// <param name="State">The state after the step.</param>
/// <param name="Assigned">The partitions the member owns and may use.</param>
/// <param name="PendingRevocation">The partitions it must revoke first.</param>
internal sealed record ReconciledAssignment(int MemberEpoch, MemberState State, IReadOnlySet<TopicIdPartition> Assigned, IReadOnlySet<TopicIdPartition> PendingRevocation);

/// <summary>
/// Incremental reconciliation (KIP-848's current assignment builder): moves a member towards its target
/// assignment without ever giving a partition to two members. A member first revokes what it must give up,
/// staying at its epoch; then it moves to the target epoch and receives the partitions that are free; the
/// partitions other members still hold follow as those members release them.
/// </summary>
internal static class Reconciliation
{
    /// <summary>
    /// The member's next step towards <paramref name="target"/> at <paramref name="targetEpoch"/>.
    /// <paramref name="ownedByOther"/> says whether another member still holds a partition (assigned or
    /// pending revocation); <paramref name="owned"/> is what the member reports owning, or null when it did not say.
    /// </summary>
    public static ReconciledAssignment Next(ConsumerGroupMember member, int targetEpoch, IReadOnlySet<TopicIdPartition> target,
        Func<TopicIdPartition, bool> ownedByOther, IReadOnlySet<TopicIdPartition>? owned)
    {
        var unchanged = new ReconciledAssignment(member.MemberEpoch, member.State, member.Assigned, member.PendingRevocation);
        switch (member.State)
        {
            case MemberState.Stable when member.MemberEpoch == targetEpoch:
                return unchanged;
            case MemberState.Stable:
                return Compute(member.MemberEpoch, member.Assigned, targetEpoch, target, ownedByOther, owned);
            case MemberState.UnrevokedPartitions:
                // Revoked means no longer reported as owned: until then the member cannot progress.
                if (StillOwnsAny(owned, member.PendingRevocation))
                    return unchanged;
                return Compute(member.MemberEpoch + 1, member.Assigned, targetEpoch, target, ownedByOther, owned);
            default:
                return Compute(member.MemberEpoch, member.Assigned, targetEpoch, target, ownedByOther, owned);
        }
    }

    private static ReconciledAssignment Compute(int memberEpoch, IReadOnlySet<TopicIdPartition> assigned, int targetEpoch,
        IReadOnlySet<TopicIdPartition> target, Func<TopicIdPartition, bool> ownedByOther, IReadOnlySet<TopicIdPartition>? owned)
    {
        var kept = assigned.Where(target.Contains).ToHashSet();
        var revoking = assigned.Where(p => !target.Contains(p)).ToHashSet();
        var wanted = target.Where(p => !kept.Contains(p)).ToList();
        var free = wanted.Where(p => !ownedByOther(p)).ToList();
        var unreleased = free.Count < wanted.Count;

        if (revoking.Count > 0 && StillOwnsAny(owned, revoking))
            return new ReconciledAssignment(memberEpoch, MemberState.UnrevokedPartitions, kept, revoking);
        kept.UnionWith(free);
        return new ReconciledAssignment(targetEpoch, unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable, kept, Assignments.None);
    }

    /// <summary>A member that did not report its partitions is assumed to still own them.</summary>
    private static bool StillOwnsAny(IReadOnlySet<TopicIdPartition>? owned, IReadOnlySet<TopicIdPartition> partitions) =>
        owned is null || partitions.Any(owned.Contains);
}
