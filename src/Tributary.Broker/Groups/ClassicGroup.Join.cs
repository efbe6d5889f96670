using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>JoinGroup: new, known, pending and static members; protocol checks and selection.</summary>
internal sealed partial class ClassicGroup
{
    /// <summary>
    /// Handles a JoinGroup. The task completes at once for errors and for rejoins that change nothing,
    /// otherwise when the rebalance completes (through <paramref name="done"/>).
    /// </summary>
    public Task<JoinGroupResult> Join(JoinGroupCommand join, DateTimeOffset now, DeferredCompletions done)
    {
        if (State == GroupState.Dead)
            return Answer(JoinGroupResult.Failure(ErrorCode.CoordinatorNotAvailable, join.MemberId));
        if (!SupportsProtocols(join))
            return Answer(JoinGroupResult.Failure(ErrorCode.InconsistentGroupProtocol, join.MemberId));
        return join.MemberId.Length == 0 ? JoinWithoutMemberId(join, now, done) : JoinWithMemberId(join, now, done);
    }

    private Task<JoinGroupResult> JoinWithoutMemberId(JoinGroupCommand join, DateTimeOffset now, DeferredCompletions done)
    {
        if (join.GroupInstanceId is { } instanceId && _memberIdByInstanceId.TryGetValue(instanceId, out var existingId))
            return RejoinStaticMember(_members[existingId], join, now, done);
        // Kafka prefixes member ids with the instance id for static members and with the client id otherwise.
        var memberId = $"{join.GroupInstanceId ?? join.ClientId}-{Guid.NewGuid()}";
        if (join.GroupInstanceId is null && join.RequireKnownMemberId)
        {
            _pendingMemberDeadlines[memberId] = now + join.SessionTimeout;
            return Answer(JoinGroupResult.Failure(ErrorCode.MemberIdRequired, memberId));
        }
        return AddMemberAndAwaitJoin(memberId, join, now, done);
    }

    private Task<JoinGroupResult> JoinWithMemberId(JoinGroupCommand join, DateTimeOffset now, DeferredCompletions done)
    {
        if (IsFenced(join.GroupInstanceId, join.MemberId))
            return Answer(JoinGroupResult.Failure(ErrorCode.FencedInstanceId, join.MemberId));
        if (_pendingMemberDeadlines.Remove(join.MemberId))
            return AddMemberAndAwaitJoin(join.MemberId, join, now, done);
        if (!_members.TryGetValue(join.MemberId, out var member))
            return Answer(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, join.MemberId));

        var protocolsUnchanged = GroupProtocol.SameProtocols(member.Protocols, join.Protocols);
        switch (State)
        {
            // A member that lost its JoinGroup response asks again: it gets the same answer.
            case GroupState.CompletingRebalance when protocolsUnchanged:
            // A follower with an unchanged subscription keeps the generation; a leader's rejoin always rebalances.
            case GroupState.Stable when protocolsUnchanged && member.MemberId != LeaderId:
                member.Heartbeat(now);
                return Answer(JoinResultFor(member));
            default:
                member.Update(join, now);
                return AwaitJoin(member, now, done, $"member {member.MemberId} rejoined");
        }
    }

    /// <summary>
    /// A static member's instance comes back without its member id: it gets a new id and the old one is fenced.
    /// A stable group does not rebalance unless the protocol it would choose changes. As in Kafka, changed
    /// metadata alone does not count: a restarted client's metadata differs anyway (generation, owned partitions).
    /// </summary>
    private Task<JoinGroupResult> RejoinStaticMember(GroupMember member, JoinGroupCommand join, DateTimeOffset now, DeferredCompletions done)
    {
        var oldMemberId = member.MemberId;
        AbortWaiters(member, ErrorCode.FencedInstanceId, done);
        Rename(member, $"{join.GroupInstanceId}-{Guid.NewGuid()}");
        member.Update(join, now);
        if (State != GroupState.Stable || SelectProtocol() != ProtocolName)
            return AwaitJoin(member, now, done, $"static member {join.GroupInstanceId} rejoined");

        var current = JoinResultFor(member);
        if (member.MemberId != LeaderId)
            return Answer(current);
        // The returning leader must not compute an assignment that a stable group would never distribute:
        // v9+ clients are told to skip it (KIP-814); older ones see the old leader id, so they do not lead.
        return Answer(join.SupportsSkipAssignment
            ? current with { SkipAssignment = true }
            : current with { LeaderId = oldMemberId, Members = [] });
    }

    private Task<JoinGroupResult> AddMemberAndAwaitJoin(string memberId, JoinGroupCommand join, DateTimeOffset now, DeferredCompletions done)
    {
        var member = new GroupMember(memberId, join, now);
        if (_members.Count == 0)
            ProtocolType = join.ProtocolType;
        _members.Add(memberId, member);
        if (join.GroupInstanceId is { } instanceId)
            _memberIdByInstanceId[instanceId] = memberId;
        LeaderId ??= memberId;
        // Each newcomer during the initial delay gives others another delay to arrive, within the rebalance timeout.
        if (State == GroupState.PreparingRebalance && _initialDelayEnd is not null)
            _initialDelayEnd = Earliest(now + _options.InitialRebalanceDelay, _rebalanceDeadline!.Value);
        return AwaitJoin(member, now, done, $"member {memberId} joined");
    }

    private Task<JoinGroupResult> AwaitJoin(GroupMember member, DateTimeOffset now, DeferredCompletions done, string reason)
    {
        // A member has one JoinGroup in flight; an earlier one is answered so its connection is not left hanging.
        if (member.PendingJoin is { } superseded)
            done.Complete(superseded, JoinGroupResult.Failure(ErrorCode.RebalanceInProgress, member.MemberId));
        var waiter = DeferredCompletions.NewWaiter<JoinGroupResult>();
        member.PendingJoin = waiter;
        if (State != GroupState.PreparingRebalance)
            PrepareRebalance(now, done, reason);
        return waiter.Task;
    }

    private void Rename(GroupMember member, string newMemberId)
    {
        var oldMemberId = member.MemberId;
        var position = _members.IndexOf(oldMemberId);
        _members.RemoveAt(position);
        member.MemberId = newMemberId;
        _members.Insert(position, newMemberId, member);
        _memberIdByInstanceId[member.GroupInstanceId!] = newMemberId;
        if (LeaderId == oldMemberId)
            LeaderId = newMemberId;
        if (_awaitingSync.Remove(oldMemberId))
            _awaitingSync.Add(newMemberId);
    }

    private JoinGroupResult JoinResultFor(GroupMember member) => new()
    {
        Error = ErrorCode.None,
        GenerationId = GenerationId,
        ProtocolType = ProtocolType,
        ProtocolName = ProtocolName,
        LeaderId = LeaderId ?? "",
        MemberId = member.MemberId,
        Members = member.MemberId == LeaderId
            ? _members.Values.Select(m => new JoinedMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(ProtocolName))).ToList()
            : [],
    };

    /// <summary>
    /// A joining member must share the group's protocol type and one protocol with every other member
    /// (its own earlier join, or its static instance's, does not count: the new protocols replace it).
    /// </summary>
    private bool SupportsProtocols(JoinGroupCommand join)
    {
        if (join.ProtocolType.Length == 0 || join.Protocols.Count == 0)
            return false;
        var replacedMemberId = join.MemberId.Length == 0 && join.GroupInstanceId is { } instanceId
            ? _memberIdByInstanceId.GetValueOrDefault(instanceId)
            : join.MemberId;
        var others = _members.Values.Where(m => m.MemberId != replacedMemberId).ToList();
        if (others.Count == 0)
            return true;
        return join.ProtocolType == ProtocolType && join.Protocols.Any(p => others.All(m => m.Protocols.Any(o => o.Name == p.Name)));
    }

    /// <summary>Among the protocols every member supports, each member votes for its favourite; the most votes win.</summary>
    private string SelectProtocol()
    {
        var candidates = _members.Values
            .Select(m => m.Protocols.Select(p => p.Name))
            .Aggregate((common, next) => common.Intersect(next))
            .ToHashSet(StringComparer.Ordinal);
        // GroupBy keeps first-seen order and OrderByDescending is stable, so a tie goes to the first member's favourite.
        return _members.Values
            .Select(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name)
            .GroupBy(name => name)
            .OrderByDescending(votes => votes.Count())
            .First().Key;
    }

    private bool IsFenced(string? groupInstanceId, string memberId) =>
        groupInstanceId is not null
        && _memberIdByInstanceId.TryGetValue(groupInstanceId, out var currentMemberId)
        && currentMemberId != memberId;

    private static Task<T> Answer<T>(T result) => Task.FromResult(result);
}
