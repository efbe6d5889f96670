using Microsoft.Extensions.Logging;
using Tributary.Protocol;
using Tributary.Protocol.Messages.Internal;

namespace Tributary.Broker.Groups;

/// <summary>
/// One classic (JoinGroup/SyncGroup) group: its members, generation, chosen protocol, deadlines and
/// committed offsets. Not thread-safe: the <see cref="GroupCoordinator"/> calls it under its lock and
/// delivers the answers to waiting requests after releasing it.
/// </summary>
internal sealed partial class ClassicGroup : Group
{
    /// <summary>The group type ListGroups reports for every group of this coordinator.</summary>
    public const string ClassicGroupType = "classic";

    // Insertion order matters: the first member to join leads, and takes over when the leader leaves.
    private readonly OrderedDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _memberIdByInstanceId = new(StringComparer.Ordinal);
    // Members told MEMBER_ID_REQUIRED: the rebalance waits for them until they rejoin or their session runs out.
    private readonly Dictionary<string, DateTimeOffset> _pendingMemberDeadlines = new(StringComparer.Ordinal);
    // Members of the new generation that have not sent SyncGroup yet.
    private readonly HashSet<string> _awaitingSync = new(StringComparer.Ordinal);
    private readonly GroupCoordinatorOptions _options;
    private readonly ILogger _logger;
    private DateTimeOffset? _rebalanceDeadline;
    private DateTimeOffset? _initialDelayEnd;
    private DateTimeOffset? _syncDeadline;

    /// <summary>Creates an empty group, or one that takes over the offsets of a group that changes type.</summary>
    public ClassicGroup(string groupId, GroupCoordinatorOptions options, ILogger logger, GroupOffsets? offsets = null)
        : base(groupId, offsets ?? new GroupOffsets(options))
    {
        _options = options;
        _logger = logger;
    }
    /// <summary>
    /// Takes the last generation a partition's log recorded (a coordinator loading its partition), as Kafka loads a
    /// group: generation, protocol, leader, and the members with their subscriptions and assignments, whose sessions
    /// start again at <paramref name="now"/>. A group with members is Stable, so they go on heartbeating without a rebalance.
    /// </summary>
    public void Restore(GroupMetadataValue metadata, DateTimeOffset now)
    {
        GenerationId = metadata.Generation;
        ProtocolType = metadata.ProtocolType.Length == 0 ? null : metadata.ProtocolType;
        ProtocolName = metadata.Protocol;
        LeaderId = metadata.Leader;
        foreach (var stored in metadata.Members)
        {
            var member = new GroupMember(stored.MemberId, new JoinGroupCommand
            {
                GroupId = GroupId,
                MemberId = stored.MemberId,
                GroupInstanceId = stored.GroupInstanceId,
                ClientId = stored.ClientId,
                ClientHost = stored.ClientHost,
                SessionTimeout = TimeSpan.FromMilliseconds(stored.SessionTimeout),
                RebalanceTimeout = TimeSpan.FromMilliseconds(stored.RebalanceTimeout >= 0 ? stored.RebalanceTimeout : stored.SessionTimeout),
                ProtocolType = metadata.ProtocolType,
                Protocols = [new GroupProtocol(metadata.Protocol ?? "", stored.Subscription)],
            }, now) { Assignment = stored.Assignment };
            _members[member.MemberId] = member;
            if (member.GroupInstanceId is { } instanceId) _memberIdByInstanceId[instanceId] = member.MemberId;
        }
        State = _members.Count > 0 ? GroupState.Stable : GroupState.Empty;
        EmptySince = State == GroupState.Empty && metadata.CurrentStateTimestamp >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(metadata.CurrentStateTimestamp) : null;
    }

    /// <summary>When the group last became empty (Kafka's current state timestamp of an empty group), or null when unknown.</summary>
    public DateTimeOffset? EmptySince { get; private set; }

    /// <summary>The current state.</summary>
    public GroupState State { get; private set; } = GroupState.Empty;
    /// <summary>The generation, bumped by every completed rebalance.</summary>
    public int GenerationId { get; private set; }
    /// <summary>The protocol type set by the first member ("consumer" for consumers), null for offset-only groups.</summary>
    public string? ProtocolType { get; private set; }
    /// <summary>The protocol chosen for the current generation.</summary>
    public string? ProtocolName { get; private set; }
    /// <summary>The leader's member id.</summary>
    public string? LeaderId { get; private set; }
    /// <summary>The members, in join order.</summary>
    public IEnumerable<GroupMember> Members => _members.Values;

    /// <inheritdoc />
    public override bool IsEmpty => State is GroupState.Empty or GroupState.Dead;

    /// <summary>Applies every deadline that has passed at <paramref name="now"/> and completes a finished join phase.</summary>
    public override void Reconcile(DateTimeOffset now, DeferredCompletions done)
    {
        foreach (var (memberId, deadline) in _pendingMemberDeadlines.ToList())
        {
            if (deadline <= now)
                _pendingMemberDeadlines.Remove(memberId);
        }
        foreach (var member in _members.Values.Where(m => !m.IsWaiting && m.SessionDeadline <= now).ToList())
            RemoveMember(member, now, done, "its session timed out");
        if (_syncDeadline <= now)
        {
            var laggards = _awaitingSync.Select(id => _members[id]).ToList();
            _awaitingSync.Clear();
            _syncDeadline = null;
            foreach (var member in laggards)
                RemoveMember(member, now, done, "it did not send SyncGroup within the rebalance timeout");
        }
        TryCompleteJoin(now, done);
    }

    /// <inheritdoc />
    public override DateTimeOffset? NextDeadline()
    {
        var deadlines = _pendingMemberDeadlines.Values
            .Concat(_members.Values.Where(m => !m.IsWaiting).Select(m => m.SessionDeadline));
        if (_awaitingSync.Count > 0 && _syncDeadline is { } syncDeadline)
            deadlines = deadlines.Append(syncDeadline);
        if (_rebalanceDeadline is { } rebalanceDeadline)
            deadlines = deadlines.Append(rebalanceDeadline);
        if (_initialDelayEnd is { } initialDelayEnd)
            deadlines = deadlines.Append(initialDelayEnd);
        return deadlines.Select(d => (DateTimeOffset?)d).Min();
    }

    /// <summary>Whether the group may be deleted, and if so marks it dead and forgets its offsets.</summary>
    public override ErrorCode Delete()
    {
        if (State == GroupState.Dead)
            return ErrorCode.GroupIdNotFound;
        if (State != GroupState.Empty)
            return ErrorCode.NonEmptyGroup;
        State = GroupState.Dead;
        Offsets.Clear();
        _pendingMemberDeadlines.Clear();
        return ErrorCode.None;
    }

    /// <inheritdoc />
    public override void AbortWaiters(ErrorCode error, DeferredCompletions done)
    {
        foreach (var member in _members.Values)
            AbortWaiters(member, error, done);
    }

    /// <summary>The group as DescribeGroups shows it: metadata and assignments only while stable, as Kafka does.</summary>
    public override GroupDescription Describe()
    {
        var stable = State == GroupState.Stable;
        var members = _members.Values
            .Select(m => new MemberDescription(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
                stable ? m.MetadataFor(ProtocolName) : [], stable ? m.Assignment : []))
            .ToList();
        return new GroupDescription(GroupId, ErrorCode.None, State.ToString(), ProtocolType ?? "", stable ? ProtocolName ?? "" : "", members);
    }

    /// <summary>The group as ListGroups shows it.</summary>
    public override GroupListing Listing() => new(GroupId, ProtocolType ?? "", State.ToString(), ClassicGroupType);

    private void PrepareRebalance(DateTimeOffset now, DeferredCompletions done, string reason)
    {
        if (State == GroupState.CompletingRebalance)
        {
            // The assignment the leader was about to send belongs to a generation that will never be stable.
            foreach (var member in _members.Values)
            {
                member.Assignment = [];
                if (member.PendingSync is { } sync)
                {
                    done.Complete(sync, SyncGroupResult.Failure(ErrorCode.RebalanceInProgress));
                    // Its session was paused while it waited; it restarts now that it can heartbeat again.
                    member.Heartbeat(now);
                }
                member.PendingSync = null;
            }
        }
        var timeout = _members.Count == 0 ? TimeSpan.Zero : _members.Values.Max(m => m.RebalanceTimeout);
        _rebalanceDeadline = now + timeout;
        _initialDelayEnd = State == GroupState.Empty && _options.InitialRebalanceDelay > TimeSpan.Zero
            ? Earliest(now + _options.InitialRebalanceDelay, now + timeout)
            : null;
        _awaitingSync.Clear();
        _syncDeadline = null;
        State = GroupState.PreparingRebalance;
        GroupLog.RebalanceStarted(_logger, GroupId, GenerationId, reason);
    }

    private void TryCompleteJoin(DateTimeOffset now, DeferredCompletions done)
    {
        if (State != GroupState.PreparingRebalance)
            return;
        if (_initialDelayEnd <= now)
            _initialDelayEnd = null;
        var everyoneJoined = _pendingMemberDeadlines.Count == 0 && _members.Values.All(m => m.PendingJoin is not null);
        if ((everyoneJoined && _initialDelayEnd is null) || _rebalanceDeadline <= now)
            CompleteJoin(now, done);
    }

    private void CompleteJoin(DateTimeOffset now, DeferredCompletions done)
    {
        foreach (var laggard in _members.Values.Where(m => m.PendingJoin is null).ToList())
        {
            GroupLog.MemberRemoved(_logger, GroupId, laggard.MemberId, "it did not rejoin within the rebalance timeout");
            Forget(laggard, done);
        }
        _rebalanceDeadline = null;
        _initialDelayEnd = null;
        GenerationId++;
        if (_members.Count == 0)
        {
            State = GroupState.Empty;
            EmptySince = now;
            ProtocolName = null;
            LeaderId = null;
            GroupLog.GroupEmptied(_logger, GroupId, GenerationId);
            return;
        }
        ProtocolName = SelectProtocol();
        State = GroupState.CompletingRebalance;
        _syncDeadline = now + _members.Values.Max(m => m.RebalanceTimeout);
        foreach (var member in _members.Values)
        {
            _awaitingSync.Add(member.MemberId);
            member.Heartbeat(now);
            done.Complete(member.PendingJoin!, JoinResultFor(member));
            member.PendingJoin = null;
        }
        GroupLog.JoinCompleted(_logger, GroupId, GenerationId, ProtocolName, LeaderId!, _members.Count);
    }

    private void RemoveMember(GroupMember member, DateTimeOffset now, DeferredCompletions done, string reason)
    {
        GroupLog.MemberRemoved(_logger, GroupId, member.MemberId, reason);
        Forget(member, done);
        if (State is GroupState.Stable or GroupState.CompletingRebalance)
            PrepareRebalance(now, done, $"member {member.MemberId} left: {reason}");
    }

    /// <summary>Drops a member's bookkeeping without changing the group's state.</summary>
    private void Forget(GroupMember member, DeferredCompletions done)
    {
        _members.Remove(member.MemberId);
        if (member.GroupInstanceId is { } instanceId && _memberIdByInstanceId.GetValueOrDefault(instanceId) == member.MemberId)
            _memberIdByInstanceId.Remove(instanceId);
        _awaitingSync.Remove(member.MemberId);
        AbortWaiters(member, ErrorCode.UnknownMemberId, done);
        if (LeaderId == member.MemberId)
            LeaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
    }

    private static void AbortWaiters(GroupMember member, ErrorCode error, DeferredCompletions done)
    {
        if (member.PendingJoin is { } join)
            done.Complete(join, JoinGroupResult.Failure(error, member.MemberId));
        if (member.PendingSync is { } sync)
            done.Complete(sync, SyncGroupResult.Failure(error));
        member.PendingJoin = null;
        member.PendingSync = null;
    }

    private static DateTimeOffset Earliest(DateTimeOffset left, DateTimeOffset right) => left < right ? left : right;
}
