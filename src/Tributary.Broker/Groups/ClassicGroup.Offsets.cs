using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>Who may commit, fetch and delete offsets of a classic group.</summary>
internal sealed partial class ClassicGroup
{
    /// <summary>A classic group does not check OffsetFetch's member fields (they belong to KIP-848 groups).</summary>
    public override ErrorCode CheckOffsetFetch(string? memberId, int memberEpoch) => ErrorCode.None;

    /// <inheritdoc />
    protected override ErrorCode CheckCommit(OffsetCommitCommand commit, DateTimeOffset now)
    {
        // A client that manages partitions itself commits with generation -1 to a group without members.
        if (commit.GenerationId < 0 && State == GroupState.Empty && !IsFenced(commit.GroupInstanceId, commit.MemberId))
            return ErrorCode.None;
        var error = CheckMember(commit.MemberId, commit.GroupInstanceId, commit.GenerationId, out var member);
        if (error != ErrorCode.None)
            return error;
        if (State == GroupState.CompletingRebalance)
            return ErrorCode.RebalanceInProgress;
        member.Heartbeat(now);
        return ErrorCode.None;
    }

    /// <summary>
    /// Kafka's checks for transactional commits: old clients send neither member nor generation and are not
    /// checked; unlike plain commits, a rebalance in progress does not refuse them.
    /// </summary>
    protected override ErrorCode CheckTransactionalCommit(OffsetCommitCommand commit)
    {
        if (State == GroupState.Dead)
            return ErrorCode.CoordinatorNotAvailable;
        if (commit.GenerationId < 0 && State == GroupState.Empty)
            return ErrorCode.None;
        if (commit.GenerationId < 0 && commit.MemberId.Length == 0 && commit.GroupInstanceId is null)
            return ErrorCode.None;
        return CheckMember(commit.MemberId, commit.GroupInstanceId, commit.GenerationId, out _);
    }

    /// <summary>A non-empty consumer group keeps the offsets of subscribed topics; a non-empty group of another protocol type keeps all.</summary>
    protected override ErrorCode CheckOffsetDelete(out Func<string, bool> subscribed)
    {
        subscribed = _ => false;
        if (State == GroupState.Dead)
            return ErrorCode.GroupIdNotFound;
        if (State == GroupState.Empty)
            return ErrorCode.None;
        if (ProtocolType != ConsumerProtocolSubscription.ProtocolType)
            return ErrorCode.NonEmptyGroup;
        subscribed = SubscriptionTest();
        return ErrorCode.None;
    }

    /// <summary>
    /// Kafka's condition for a classic group: offsets without a protocol (standalone commits) count from their commit;
    /// an empty group's from when it became empty; a stable group of consumers' (topics nobody subscribes to) from their
    /// commit; any other group's do not expire while it rebalances or when it is not a consumer group.
    /// </summary>
    protected override Func<CommittedOffset, DateTimeOffset>? ExpirationStart() => (ProtocolType, State) switch
    {
        (null, _) => offset => offset.CommitTimestamp,
        (_, GroupState.Empty) => offset => EmptySince ?? offset.CommitTimestamp,
        (ConsumerProtocolSubscription.ProtocolType, GroupState.Stable) => offset => offset.CommitTimestamp,
        _ => null,
    };

    /// <inheritdoc />
    protected override Func<string, bool> SubscriptionFilter() =>
        State != GroupState.Empty && ProtocolType == ConsumerProtocolSubscription.ProtocolType ? SubscriptionTest() : _ => false;

    /// <summary>Whether a topic is in some member's subscription; unknown (no protocol yet, unreadable metadata) counts as yes.</summary>
    private Func<string, bool> SubscriptionTest()
    {
        if (ProtocolName is null)
            return _ => true;
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            if (!ConsumerProtocolSubscription.TryReadTopics(member.MetadataFor(ProtocolName), out var memberTopics))
                return _ => true;
            topics.UnionWith(memberTopics);
        }
        return topics.Contains;
    }
}
