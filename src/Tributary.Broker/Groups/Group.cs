using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// What the coordinator needs of every group, whatever its protocol: deadlines, listing, deletion and
/// committed offsets. A <see cref="ClassicGroup"/> (JoinGroup/SyncGroup) and a <see cref="ConsumerGroup"/>
/// (KIP-848, ConsumerGroupHeartbeat) differ in membership and in who may commit. Not thread-safe: the
/// <see cref="GroupCoordinator"/> calls it under its lock.
/// </summary>
internal abstract class Group(string groupId, GroupOffsets offsets)
{
    /// <summary>The group id.</summary>
    public string GroupId { get; } = groupId;

    /// <summary>The committed and transactionally staged offsets.</summary>
    public GroupOffsets Offsets { get; } = offsets;

    /// <summary>The timer that fires at <see cref="NextDeadline"/>; owned by the coordinator.</summary>
    public ITimer? DeadlineTimer { get; set; }

    /// <summary>Whether the group has no members.</summary>
    public abstract bool IsEmpty { get; }

    /// <summary>Applies every deadline that has passed at <paramref name="now"/>.</summary>
    public abstract void Reconcile(DateTimeOffset now, DeferredCompletions done);

    /// <summary>The earliest future moment at which <see cref="Reconcile"/> has something to do, or null.</summary>
    public abstract DateTimeOffset? NextDeadline();

    /// <summary>Whether the group may be deleted (DeleteGroups), and if so forgets its offsets.</summary>
    public abstract ErrorCode Delete();

    /// <summary>Answers every waiting request with <paramref name="error"/>: the coordinator is shutting down.</summary>
    public abstract void AbortWaiters(ErrorCode error, DeferredCompletions done);

    /// <summary>The group as DescribeGroups shows it.</summary>
    public abstract GroupDescription Describe();

    /// <summary>The group as ListGroups shows it.</summary>
    public abstract GroupListing Listing();

    /// <summary>Stores the offsets of an OffsetCommit; one error per offset.</summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(OffsetCommitCommand commit, DateTimeOffset now)
    {
        var error = CheckCommit(commit, now);
        return commit.Offsets.Select(offset => error != ErrorCode.None ? error : Offsets.Store(offset, now, commit.RetentionTime)).ToList();
    }

    /// <summary>Stages the offsets of a TxnOffsetCommit for <paramref name="producerId"/>'s transaction; one error per offset.</summary>
    public IReadOnlyList<ErrorCode> CommitTransactionalOffsets(OffsetCommitCommand commit, long producerId, DateTimeOffset now)
    {
        var error = CheckTransactionalCommit(commit);
        return commit.Offsets.Select(offset => error != ErrorCode.None ? error : Offsets.Stage(offset, producerId, now)).ToList();
    }

    /// <summary>
    /// Deletes committed offsets (OffsetDelete). A group with members keeps the offsets of topics they
    /// subscribe to, and a group whose subscriptions cannot be known keeps all of them.
    /// </summary>
    public OffsetDeleteResult DeleteOffsets(IReadOnlyList<OffsetKey> partitions)
    {
        var error = CheckOffsetDelete(out var subscribed);
        if (error != ErrorCode.None)
            return new OffsetDeleteResult(error, []);
        var errors = partitions.Select(key =>
        {
            if (subscribed(key.Topic))
                return ErrorCode.GroupSubscribedToTopic;
            Offsets.Remove(key);
            return ErrorCode.None;
        }).ToList();
        return new OffsetDeleteResult(ErrorCode.None, errors);
    }

    /// <summary>The committed offsets that expired at <paramref name="now"/> (Kafka's offset expiration condition of the group's type and state).</summary>
    public List<OffsetKey> ExpiredOffsets(DateTimeOffset now, TimeSpan retention) =>
        ExpirationStart() is { } since ? Offsets.Expired(now, retention, since, SubscriptionFilter()) : [];

    /// <summary>When an offset's retention starts counting, or null while the group's offsets cannot expire.</summary>
    protected abstract Func<CommittedOffset, DateTimeOffset>? ExpirationStart();

    /// <summary>
    /// Whether the group's members consume a topic (its offsets never expire then); made once per check, as it reads
    /// every member's subscription.
    /// </summary>
    protected abstract Func<string, bool> SubscriptionFilter();

    /// <summary>OffsetFetch v9 names the member and its epoch; the group checks them before answering.</summary>
    public abstract ErrorCode CheckOffsetFetch(string? memberId, int memberEpoch);

    /// <summary>Whether an OffsetCommit may store offsets now, from this member and generation or epoch.</summary>
    protected abstract ErrorCode CheckCommit(OffsetCommitCommand commit, DateTimeOffset now);

    /// <summary>Whether a TxnOffsetCommit may stage offsets (KIP-447: a zombie of an older generation or epoch is fenced).</summary>
    protected abstract ErrorCode CheckTransactionalCommit(OffsetCommitCommand commit);

    /// <summary>Whether OffsetDelete may act, and which topics it must keep.</summary>
    protected abstract ErrorCode CheckOffsetDelete(out Func<string, bool> subscribed);
}
