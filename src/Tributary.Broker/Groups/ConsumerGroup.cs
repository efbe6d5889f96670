using Microsoft.Extensions.Logging;
using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// One consumer group of the new protocol (KIP-848): members heartbeat with ConsumerGroupHeartbeat and the
/// coordinator assigns partitions. Three epochs drive it: the group epoch (bumped by every change of members,
/// subscriptions or subscribed topics), the assignment epoch (the group epoch the target assignment was computed
/// for) and each member's epoch (how far it has reconciled towards its target). Not thread-safe: the
/// <see cref="GroupCoordinator"/> calls it under its lock.
/// </summary>
internal sealed partial class ConsumerGroup : Group
{
    /// <summary>The group type ListGroups reports.</summary>
    public const string ConsumerGroupType = "consumer";

    private readonly OrderedDictionary<string, ConsumerGroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _memberIdByInstanceId = new(StringComparer.Ordinal);
    // The target assignment of every member, computed at AssignmentEpoch.
    private readonly Dictionary<string, IReadOnlySet<TopicIdPartition>> _target = new(StringComparer.Ordinal);
    // Who holds each partition (assigned or still to be revoked): a partition goes to its new owner only once free.
    private readonly Dictionary<TopicIdPartition, string> _holders = [];
    private readonly GroupCoordinatorOptions _options;
    private readonly ILogger _logger;
    // The subscribed topics as of the last computation; a change (new topic, more partitions, a topic matching a regex) bumps the group epoch.
    private Dictionary<Guid, TopicMetadata> _subscribedTopics = [];

    /// <summary>Creates an empty group, or one that takes over the offsets of a group that changes type.</summary>
    public ConsumerGroup(string groupId, GroupCoordinatorOptions options, ILogger logger, GroupOffsets? offsets = null)
        : base(groupId, offsets ?? new GroupOffsets(options))
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>The group epoch.</summary>
    public int GroupEpoch { get; private set; }

    /// <summary>
    /// The group's records as the coordinator last compared them after a change (null until then, as after a load):
    /// the next change compares against these instead of encoding the whole group once more before it.
    /// </summary>
    public ConsumerGroupRecords? LastRecords { get; set; }

    /// <summary>The group epoch the target assignment was computed for.</summary>
    public int AssignmentEpoch { get; private set; }

    /// <summary>The assignor that computed the target assignment.</summary>
    public string AssignorName { get; private set; } = "";

    /// <summary>The members, in join order.</summary>
    public IEnumerable<ConsumerGroupMember> Members => _members.Values;

    /// <summary>Kafka's consumer group states: Empty, Assigning, Reconciling, Stable.</summary>
    public string State =>
        _members.Count == 0 ? "Empty"
        : GroupEpoch > AssignmentEpoch ? "Assigning"
        : _members.Values.All(m => m.IsReconciledTo(AssignmentEpoch)) ? "Stable"
        : "Reconciling";

    /// <inheritdoc />
    public override bool IsEmpty => _members.Count == 0;

    /// <summary>Removes members whose session ran out and members that did not revoke within their rebalance timeout.</summary>
    public override void Reconcile(DateTimeOffset now, DeferredCompletions done)
    {
        foreach (var member in _members.Values.Where(m => m.SessionDeadline <= now).ToList())
            Fence(member, "its session timed out");
        foreach (var member in _members.Values.Where(m => m.RebalanceDeadline <= now).ToList())
            Fence(member, member.UsesClassicProtocol
                ? "it did not rejoin or sync within the rebalance timeout"
                : "it did not revoke its partitions within the rebalance timeout");
    }

    /// <inheritdoc />
    public override DateTimeOffset? NextDeadline() =>
        _members.Values.Select(m => (DateTimeOffset?)m.SessionDeadline)
            .Concat(_members.Values.Select(m => m.RebalanceDeadline))
            .Min();

    /// <inheritdoc />
    public override ErrorCode Delete()
    {
        if (_members.Count > 0)
            return ErrorCode.NonEmptyGroup;
        Offsets.Clear();
        return ErrorCode.None;
    }

    /// <summary>Nothing waits in a consumer group: every request, JoinGroup and SyncGroup of classic members included, is answered at once.</summary>
    public override void AbortWaiters(ErrorCode error, DeferredCompletions done)
    {
    }

    /// <summary>
    /// DescribeGroups is for classic groups: Kafka 4 (GroupMetadataManager.describeGroups) describes a group of another
    /// type as an unknown one, "Dead" with no members, and with no error before DescribeGroups v6 (the versions served
    /// here); only v6 adds GROUP_ID_NOT_FOUND. Clients that get an error here fail (@platformatic/kafka's describeGroups).
    /// </summary>
    public override GroupDescription Describe() => new(GroupId, ErrorCode.None, "Dead", "", "", []);

    /// <inheritdoc />
    public override GroupListing Listing() => new(GroupId, ConsumerProtocolSubscription.ProtocolType, State, ConsumerGroupType);

    /// <summary>The group as ConsumerGroupDescribe shows it.</summary>
    public ConsumerGroupDescription DescribeConsumerGroup(IReadOnlyCollection<TopicMetadata> topics)
    {
        var names = topics.ToDictionary(t => t.Id, t => t.Name);
        IReadOnlyList<DescribedTopicPartitions> Named(IEnumerable<TopicIdPartition> partitions) =>
            Assignments.ByTopic(partitions).Select(t => new DescribedTopicPartitions(t.TopicId, names.GetValueOrDefault(t.TopicId, ""), t.Partitions)).ToList();

        var members = _members.Values.Select(m => new ConsumerGroupMemberDescription(
            m.MemberId, m.InstanceId, m.RackId, m.MemberEpoch, m.ClientId, m.ClientHost, m.SubscribedTopicNames, m.SubscribedTopicRegex,
            Named(m.Assigned), Named(_target.GetValueOrDefault(m.MemberId, Assignments.None)))).ToList();
        return new ConsumerGroupDescription(GroupId, ErrorCode.None, null, State, GroupEpoch, AssignmentEpoch, AssignorName, members);
    }

    /// <summary>Removes a member that failed (session or rebalance timeout): its partitions become free for others.</summary>
    private void Fence(ConsumerGroupMember member, string reason)
    {
        GroupLog.MemberRemoved(_logger, GroupId, member.MemberId, reason);
        Remove(member);
    }

    /// <summary>Drops a member and its target, frees its partitions and bumps the group epoch so the rest rebalance.</summary>
    private void Remove(ConsumerGroupMember member)
    {
        _members.Remove(member.MemberId);
        if (member.InstanceId is { } instanceId && _memberIdByInstanceId.GetValueOrDefault(instanceId) == member.MemberId)
            _memberIdByInstanceId.Remove(instanceId);
        _target.Remove(member.MemberId);
        SetHolder(member, Assignments.None, Assignments.None);
        BumpGroupEpoch($"member {member.MemberId} left");
    }

    private void BumpGroupEpoch(string reason)
    {
        GroupEpoch++;
        GroupLog.GroupEpochBumped(_logger, GroupId, GroupEpoch, reason);
    }

    /// <summary>Records which partitions <paramref name="member"/> holds now, replacing what it held before.</summary>
    private void SetHolder(ConsumerGroupMember member, IReadOnlySet<TopicIdPartition> assigned, IReadOnlySet<TopicIdPartition> pendingRevocation)
    {
        foreach (var partition in member.Assigned.Concat(member.PendingRevocation))
        {
            if (_holders.GetValueOrDefault(partition) == member.MemberId)
                _holders.Remove(partition);
        }
        foreach (var partition in assigned.Concat(pendingRevocation))
            _holders[partition] = member.MemberId;
    }
}
