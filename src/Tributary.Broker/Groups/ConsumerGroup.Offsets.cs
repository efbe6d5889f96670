using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// Who may commit and fetch offsets of a consumer group: a member at its current epoch (KIP-848's version of
/// KIP-447 fencing), or anyone while the group is empty. A commit at an older epoch is also accepted when the member
/// has owned every committed partition since that epoch or before (Kafka 4.3's KIP-1251 rule,
/// assignment epoch &lt;= client epoch &lt;= member epoch): member epochs move at every rebalance, even for partitions
/// that stay, so the strict rule of Kafka 4.0-4.2 fenced commits, transactional ones included, of members that
/// still owned their partitions. A zombie whose partitions moved on is refused either way.
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
        return CheckCommitEpoch(member, commit);
    }

    /// <summary>
    /// Transactional commits are fenced by member epoch the same way, at any TxnOffsetCommit version; TxnOffsetCommit
    /// has no STALE_MEMBER_EPOCH, so a zombie's older epoch is ILLEGAL_GENERATION there, as in Kafka.
    /// </summary>
    protected override ErrorCode CheckTransactionalCommit(OffsetCommitCommand commit)
    {
        if (commit.GenerationId < 0 && _members.Count == 0)
            return ErrorCode.None;
        if (!_members.TryGetValue(commit.MemberId, out var member))
            return ErrorCode.UnknownMemberId;
        var error = CheckCommitEpoch(member, commit);
        return error == ErrorCode.StaleMemberEpoch ? ErrorCode.IllegalGeneration : error;
    }

    /// <summary>OffsetDelete keeps the offsets of topics some member subscribes to.</summary>
    protected override ErrorCode CheckOffsetDelete(out Func<string, bool> subscribed)
    {
        subscribed = SubscriptionFilter();
        return ErrorCode.None;
    }

    /// <summary>A consumer group's offsets count from their commit, as in Kafka (those of subscribed topics never expire).</summary>
    protected override Func<CommittedOffset, DateTimeOffset>? ExpirationStart() => offset => offset.CommitTimestamp;

    /// <inheritdoc />
    protected override Func<string, bool> SubscriptionFilter() =>
        _subscribedTopics.Values.Select(topic => topic.Name)
            .Concat(_members.Values.SelectMany(member => member.SubscribedTopicNames))
            .ToHashSet(StringComparer.Ordinal).Contains;

    private ErrorCode CheckCommitEpoch(ConsumerGroupMember member, OffsetCommitCommand commit)
    {
        var epoch = commit.GenerationId;
        if (!member.UsesClassicProtocol && epoch >= 0 && epoch < member.MemberEpoch
            && commit.Offsets.All(offset => AssignedSince(member, offset.Key) is { } since && since <= epoch))
        {
            return ErrorCode.None;
        }
        return CheckEpoch(member, epoch);
    }

    private int? AssignedSince(ConsumerGroupMember member, OffsetKey key) =>
        _subscribedTopics.Values.FirstOrDefault(topic => topic.Name == key.Topic) is { } topic
        && member.AssignedSince.TryGetValue(new TopicIdPartition(topic.Id, key.Partition), out var since)
            ? since
            : null;

    private static ErrorCode CheckEpoch(ConsumerGroupMember member, int epoch) =>
        epoch == member.MemberEpoch ? ErrorCode.None
        : member.UsesClassicProtocol ? ErrorCode.IllegalGeneration
        : ErrorCode.StaleMemberEpoch;
}
