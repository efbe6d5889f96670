using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>SyncGroup, Heartbeat and LeaveGroup.</summary>
internal sealed partial class ClassicGroup
{
    /// <summary>
    /// Handles a SyncGroup. The leader's call distributes the assignment; a follower that syncs before the
    /// leader waits for it.
    /// </summary>
    public Task<SyncGroupResult> Sync(SyncGroupCommand sync, DateTimeOffset now, DeferredCompletions done)
    {
        var error = CheckMember(sync.MemberId, sync.GroupInstanceId, sync.GenerationId, out var member);
        if (error == ErrorCode.None
            && ((sync.ProtocolType is not null && sync.ProtocolType != ProtocolType)
                || (sync.ProtocolName is not null && sync.ProtocolName != ProtocolName)))
        {
            error = ErrorCode.InconsistentGroupProtocol;
        }
        if (error != ErrorCode.None)
            return Answer(SyncGroupResult.Failure(error));

        switch (State)
        {
            case GroupState.PreparingRebalance:
                return Answer(SyncGroupResult.Failure(ErrorCode.RebalanceInProgress));
            case GroupState.Stable:
                member.Heartbeat(now);
                _awaitingSync.Remove(member.MemberId);
                return Answer(new SyncGroupResult(ErrorCode.None, ProtocolType, ProtocolName, member.Assignment));
            case GroupState.CompletingRebalance:
                member.Heartbeat(now);
                _awaitingSync.Remove(member.MemberId);
                if (member.PendingSync is { } superseded)
                    done.Complete(superseded, SyncGroupResult.Failure(ErrorCode.RebalanceInProgress));
                var waiter = DeferredCompletions.NewWaiter<SyncGroupResult>();
                member.PendingSync = waiter;
                if (member.MemberId == LeaderId)
                    Stabilize(sync.Assignments);
                return waiter.Task;
            default:
                return Answer(SyncGroupResult.Failure(ErrorCode.UnknownMemberId));
        }
    }

    /// <summary>Handles a Heartbeat: keeps the member alive and tells it when to rejoin.</summary>
    public ErrorCode Heartbeat(HeartbeatCommand heartbeat, DateTimeOffset now)
    {
        var error = CheckMember(heartbeat.MemberId, heartbeat.GroupInstanceId, heartbeat.GenerationId, out var member);
        if (error != ErrorCode.None)
            return error;
        member.Heartbeat(now);
        return State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    /// <summary>Handles a LeaveGroup: each member is named by member id or, for static members, by instance id.</summary>
    public LeaveGroupResult Leave(IReadOnlyList<LeavingMember> leaving, DateTimeOffset now, DeferredCompletions done)
    {
        if (State == GroupState.Dead)
            return new LeaveGroupResult(ErrorCode.CoordinatorNotAvailable, []);
        var results = leaving
            .Select(l => new LeftMember(l.MemberId, l.GroupInstanceId, LeaveOne(l, now, done)))
            .ToList();
        return new LeaveGroupResult(ErrorCode.None, results);
    }

    private ErrorCode LeaveOne(LeavingMember leaving, DateTimeOffset now, DeferredCompletions done)
    {
        GroupMember? member;
        if (leaving.GroupInstanceId is { } instanceId)
        {
            if (!_memberIdByInstanceId.TryGetValue(instanceId, out var memberId))
                return ErrorCode.UnknownMemberId;
            if (leaving.MemberId.Length > 0 && leaving.MemberId != memberId)
                return ErrorCode.FencedInstanceId;
            member = _members[memberId];
        }
        else if (_pendingMemberDeadlines.Remove(leaving.MemberId))
        {
            return ErrorCode.None;
        }
        else if (!_members.TryGetValue(leaving.MemberId, out member))
        {
            return ErrorCode.UnknownMemberId;
        }
        RemoveMember(member, now, done, "it left the group");
        return ErrorCode.None;
    }

    /// <summary>
    /// The leader's assignment: the group is stable with it, but the members waiting in SyncGroup get it only once
    /// the coordinator stored the generation (<see cref="Stored"/>), as Kafka answers them after its write.
    /// </summary>
    private void Stabilize(IReadOnlyDictionary<string, byte[]> assignments)
    {
        State = GroupState.Stable;
        foreach (var member in _members.Values)
            member.Assignment = assignments.GetValueOrDefault(member.MemberId) ?? [];
        AwaitsStore = true;
    }

    /// <summary>Whether the leader's assignment waits for the coordinator to store the generation.</summary>
    public bool AwaitsStore { get; private set; }

    /// <summary>
    /// The coordinator wrote the generation with its assignment (<paramref name="error"/> NONE) or could not: the
    /// members waiting in SyncGroup get their assignment, or <paramref name="error"/> and the group rebalances.
    /// </summary>
    public void Stored(ErrorCode error, DateTimeOffset now, DeferredCompletions done)
    {
        AwaitsStore = false;
        if (error != ErrorCode.None)
        {
            StoreFailed(error, now, done);
            return;
        }
        foreach (var member in _members.Values)
        {
            if (member.PendingSync is { } waiter)
            {
                done.Complete(waiter, new SyncGroupResult(ErrorCode.None, ProtocolType, ProtocolName, member.Assignment));
                // Its session was paused while it waited for the leader; it restarts with the answer.
                member.Heartbeat(now);
            }
            member.PendingSync = null;
        }
        GroupLog.GroupStable(_logger, GroupId, GenerationId);
    }

    /// <summary>
    /// Kafka's answer to a generation that could not be stored (GroupMetadataManager's SyncGroup callback): the
    /// assignment is dropped, members still waiting in SyncGroup get <paramref name="error"/>, and the group rebalances.
    /// </summary>
    public void StoreFailed(ErrorCode error, DateTimeOffset now, DeferredCompletions done)
    {
        foreach (var member in _members.Values)
        {
            member.Assignment = [];
            if (member.PendingSync is { } waiter)
            {
                done.Complete(waiter, SyncGroupResult.Failure(error));
                member.Heartbeat(now);
            }
            member.PendingSync = null;
        }
        PrepareRebalance(now, done, $"error {error} when storing the group's assignment");
    }

    /// <summary>The checks Kafka applies, in its order, before SyncGroup, Heartbeat and OffsetCommit act for a member.</summary>
    private ErrorCode CheckMember(string memberId, string? groupInstanceId, int generationId, out GroupMember member)
    {
        member = null!;
        if (State == GroupState.Dead)
            return ErrorCode.CoordinatorNotAvailable;
        if (IsFenced(groupInstanceId, memberId))
            return ErrorCode.FencedInstanceId;
        if (!_members.TryGetValue(memberId, out var found))
            return ErrorCode.UnknownMemberId;
        member = found;
        return generationId == GenerationId ? ErrorCode.None : ErrorCode.IllegalGeneration;
    }
}
