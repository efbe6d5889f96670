using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>Committed offsets: commit, fetch and delete.</summary>
internal sealed partial class ClassicGroup
{
    private readonly Dictionary<OffsetKey, CommittedOffset> _offsets = [];

    /// <summary>Stores the offsets a member (or a client outside group management) commits; one error per offset.</summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(OffsetCommitCommand commit, DateTimeOffset now)
    {
        var error = CheckCommit(commit, now);
        return commit.Offsets.Select(offset => error != ErrorCode.None ? error : Store(offset, now)).ToList();
    }

    /// <summary>The committed offsets of <paramref name="partitions"/>, or of every partition when null.</summary>
    public IReadOnlyList<FetchedOffset> FetchOffsets(IReadOnlyList<OffsetKey>? partitions, bool requireStable)
    {
        var keys = partitions ?? _offsets.Keys.OrderBy(k => k.Topic, StringComparer.Ordinal).ThenBy(k => k.Partition).ToList();
        return keys.Select(key => Fetch(key, requireStable)).ToList();
    }

    /// <summary>
    /// Deletes committed offsets (OffsetDelete). A non-empty consumer group keeps the offsets of topics its
    /// members subscribe to; a non-empty group of another protocol type keeps all of them.
    /// </summary>
    public OffsetDeleteResult DeleteOffsets(IReadOnlyList<OffsetKey> partitions)
    {
        if (State == GroupState.Dead)
            return new OffsetDeleteResult(ErrorCode.GroupIdNotFound, []);
        if (State != GroupState.Empty && ProtocolType != ConsumerProtocolSubscription.ProtocolType)
            return new OffsetDeleteResult(ErrorCode.NonEmptyGroup, []);
        var subscribed = State == GroupState.Empty ? (_ => false) : SubscriptionTest();
        var errors = partitions.Select(key =>
        {
            if (subscribed(key.Topic))
                return ErrorCode.GroupSubscribedToTopic;
            _offsets.Remove(key);
            return ErrorCode.None;
        }).ToList();
        return new OffsetDeleteResult(ErrorCode.None, errors);
    }

    private ErrorCode CheckCommit(OffsetCommitCommand commit, DateTimeOffset now)
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

    private ErrorCode Store(PartitionOffsetCommit offset, DateTimeOffset now) => Store(offset, now, _offsets);

    private ErrorCode Store(PartitionOffsetCommit offset, DateTimeOffset now, Dictionary<OffsetKey, CommittedOffset> into)
    {
        var metadata = offset.Metadata ?? "";
        if (metadata.Length > _options.MaxOffsetMetadataLength)
            return ErrorCode.OffsetMetadataTooLarge;
        into[offset.Key] = new CommittedOffset(offset.Offset, offset.LeaderEpoch, metadata, offset.CommitTimestamp ?? now);
        return ErrorCode.None;
    }

    private FetchedOffset Fetch(OffsetKey key, bool requireStable)
    {
        if (requireStable && HasPendingTransactionalOffsets(key))
            return NoOffset(key, ErrorCode.UnstableOffsetCommit);
        return _offsets.TryGetValue(key, out var committed)
            ? new FetchedOffset(key, committed.Offset, committed.LeaderEpoch, committed.Metadata, ErrorCode.None)
            : NoOffset(key, ErrorCode.None);
    }

    /// <summary>The answer for a partition without a committed offset.</summary>
    public static FetchedOffset NoOffset(OffsetKey key, ErrorCode error) => new(key, -1, -1, "", error);

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
