using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// Who may commit and fetch offsets of a consumer group: a member at its current epoch (KIP-848's version of
/// KIP-447 fencing), or anyone while the group is empty.
/// </summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>OffsetFetch v9: a named member must be known and at its current epoch; an anonymous fetch (no member, epoch -1) is fine.</summary>
    public override ErrorCode CheckOffsetFetch(string? memberId, int memberEpoch)
    {
        if (memberId is null && memberEpoch < 0)
            return ErrorCode.None;
        if (memberId is null || !_members.TryGetValue(memberId, out var member))
            return ErrorCode.UnknownMemberId;
        return CheckEpoch(member, memberEpoch);
    }

    /// <summary>
    /// A commit with epoch -1 is accepted only while the group has no members (admin tools, manual assignment);
    /// members of the new protocol must use OffsetCommit v9+ and their current epoch (a zombie's older epoch is
    /// STALE_MEMBER_EPOCH); classic members their member epoch as generation.
    /// </summary>
    protected override ErrorCode CheckCommit(OffsetCommitCommand commit, DateTimeOffset now)
    {
        if (commit.GenerationId < 0 && _members.Count == 0)
            return ErrorCode.None;
        if (!_members.TryGetValue(commit.MemberId, out var member))
            return ErrorCode.UnknownMemberId;
        if (!member.UsesClassicProtocol && commit.ApiVersion < 9)
            return ErrorCode.UnsupportedVersion;
        return CheckEpoch(member, commit.GenerationId);
    }

    /// <summary>Transactional commits are fenced by member epoch the same way (any TxnOffsetCommit version).</summary>
    protected override ErrorCode CheckTransactionalCommit(OffsetCommitCommand commit)
    {
        if (commit.GenerationId < 0 && _members.Count == 0)
            return ErrorCode.None;
        if (commit.GenerationId < 0 && commit.MemberId.Length == 0 && commit.GroupInstanceId is null)
            return ErrorCode.None;
        return _members.TryGetValue(commit.MemberId, out var member) ? CheckEpoch(member, commit.GenerationId) : ErrorCode.UnknownMemberId;
    }

    /// <summary>OffsetDelete keeps the offsets of topics some member subscribes to.</summary>
    protected override ErrorCode CheckOffsetDelete(out Func<string, bool> subscribed)
    {
        var names = _subscribedTopics.Values.Select(topic => topic.Name)
            .Concat(_members.Values.SelectMany(member => member.SubscribedTopicNames))
            .ToHashSet(StringComparer.Ordinal);
        subscribed = names.Contains;
        return ErrorCode.None;
    }

    private static ErrorCode CheckEpoch(ConsumerGroupMember member, int epoch) =>
        epoch == member.MemberEpoch ? ErrorCode.None
        : member.UsesClassicProtocol ? ErrorCode.IllegalGeneration
        : ErrorCode.StaleMemberEpoch;
}
