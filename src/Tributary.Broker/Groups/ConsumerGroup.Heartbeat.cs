using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>ConsumerGroupHeartbeat: join, stay, reconcile and leave.</summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>
    /// Handles a heartbeat that passed <see cref="ConsumerGroupHeartbeatValidation"/>: (1) creates or updates the
    /// member, bumping the group epoch when membership, subscriptions or subscribed topics changed; (2) computes a new
    /// target assignment when the group epoch moved past it; (3) moves the member one step towards its target.
    /// </summary>
    public ConsumerGroupHeartbeatResult Heartbeat(ConsumerGroupHeartbeatCommand heartbeat, IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now)
    {
        if (heartbeat.MemberEpoch is ConsumerGroupHeartbeatCommand.LeaveEpoch or ConsumerGroupHeartbeatCommand.StaticLeaveEpoch)
            return Leave(heartbeat);
        var error = heartbeat.MemberEpoch == ConsumerGroupHeartbeatCommand.JoinEpoch
            ? Join(heartbeat, out var member, out var joined)
            : Find(heartbeat, out member, out joined);
        if (error != ErrorCode.None)
            return ConsumerGroupHeartbeatResult.Failure(error);

        var assignedBefore = member.Assigned;
        var subscriptionChanged = Update(member, heartbeat);
        RefreshAssignment(topics, joined ? $"member {member.MemberId} joined"
            : subscriptionChanged ? $"member {member.MemberId} changed its subscription"
            : null);
        ReconcileMember(member, heartbeat.OwnedPartitions, now);
        member.SessionDeadline = now + _options.ConsumerSessionTimeout;

        // The assignment goes out when it changed, and on a full request (a join, or a retry after an error).
        var fullRequest = heartbeat.MemberEpoch == ConsumerGroupHeartbeatCommand.JoinEpoch
            || (heartbeat.RebalanceTimeout is not null && heartbeat.SubscribedTopicNames is not null && heartbeat.OwnedPartitions is not null);
        return new ConsumerGroupHeartbeatResult
        {
            Error = ErrorCode.None,
            MemberId = member.MemberId,
            MemberEpoch = member.MemberEpoch,
            HeartbeatInterval = _options.ConsumerHeartbeatInterval,
            Assignment = fullRequest || !Assignments.Same(assignedBefore, member.Assigned) ? member.Assigned : null,
        };
    }

    /// <summary>A member joins with epoch 0: new, a static member replacing its departed instance, or one that rejoins.</summary>
    private ErrorCode Join(ConsumerGroupHeartbeatCommand heartbeat, out ConsumerGroupMember member, out bool joined)
    {
        var memberId = heartbeat.MemberId.Length > 0 ? heartbeat.MemberId : Guid.NewGuid().ToString();
        member = null!;
        joined = false;
        if (_members.Count >= _options.ConsumerMaxSize && !_members.ContainsKey(memberId))
            return ErrorCode.GroupMaxSizeReached;
        if (heartbeat.InstanceId is { } instanceId && _memberIdByInstanceId.TryGetValue(instanceId, out var existingId) && existingId != memberId)
        {
            var existing = _members[existingId];
            // Only an instance that left with epoch -2 may be taken over; a live one still owns the instance id.
            if (existing.MemberEpoch != ConsumerGroupHeartbeatCommand.StaticLeaveEpoch)
                return ErrorCode.UnreleasedInstanceId;
            member = Replace(existing, memberId);
            return ErrorCode.None;
        }
        if (_members.TryGetValue(memberId, out var known))
        {
            // A member whose join response was lost asks again; any other rejoin at epoch 0 starts afresh.
            if (known.PreviousMemberEpoch == 0 && IsSubset(heartbeat.OwnedPartitions, known.Assigned))
            {
                member = known;
                return ErrorCode.None;
            }
            GroupLog.MemberRemoved(_logger, GroupId, memberId, "it rejoined with epoch 0");
            Remove(known);
        }
        member = new ConsumerGroupMember(memberId) { InstanceId = heartbeat.InstanceId };
        _members.Add(memberId, member);
        if (member.InstanceId is { } newInstanceId)
            _memberIdByInstanceId[newInstanceId] = memberId;
        joined = true;
        return ErrorCode.None;
    }

    /// <summary>A member heartbeats at an epoch above 0: it must be known and at its epoch (or the previous one, if its response was lost).</summary>
    private ErrorCode Find(ConsumerGroupHeartbeatCommand heartbeat, out ConsumerGroupMember member, out bool joined)
    {
        joined = false;
        member = null!;
        if (heartbeat.InstanceId is { } instanceId)
        {
            if (!_memberIdByInstanceId.TryGetValue(instanceId, out var staticId))
                return ErrorCode.UnknownMemberId;
            if (staticId != heartbeat.MemberId)
                return ErrorCode.FencedInstanceId;
        }
        if (!_members.TryGetValue(heartbeat.MemberId, out var found) || found.UsesClassicProtocol)
            return ErrorCode.UnknownMemberId;
        member = found;
        if (heartbeat.MemberEpoch > found.MemberEpoch)
            return ErrorCode.FencedMemberEpoch;
        if (heartbeat.MemberEpoch < found.MemberEpoch
            && (heartbeat.MemberEpoch != found.PreviousMemberEpoch || !IsSubset(heartbeat.OwnedPartitions, found.Assigned)))
        {
            return ErrorCode.FencedMemberEpoch;
        }
        return ErrorCode.None;
    }

    /// <summary>
    /// A static member's new instance takes over the departed one: same subscription, same partitions, same
    /// target, under the new member id, from epoch 0; the group epoch does not move, so nobody else rebalances.
    /// </summary>
    private ConsumerGroupMember Replace(ConsumerGroupMember departed, string memberId)
    {
        var member = new ConsumerGroupMember(memberId)
        {
            InstanceId = departed.InstanceId,
            RackId = departed.RackId,
            RebalanceTimeout = departed.RebalanceTimeout,
            SubscribedTopicNames = departed.SubscribedTopicNames,
            SubscribedTopicRegex = departed.SubscribedTopicRegex,
            ServerAssignor = departed.ServerAssignor,
        };
        _members.Remove(departed.MemberId);
        _members.Add(memberId, member);
        _memberIdByInstanceId[member.InstanceId!] = memberId;
        if (_target.Remove(departed.MemberId, out var target))
            _target[memberId] = target;
        SetHolder(departed, Assignments.None, Assignments.None);
        SetHolder(member, departed.Assigned, departed.PendingRevocation);
        member.Apply(new ReconciledAssignment(0, MemberState.Stable, departed.Assigned, departed.PendingRevocation));
        GroupLog.StaticMemberReplaced(_logger, GroupId, member.InstanceId!, departed.MemberId, memberId);
        return member;
    }

    /// <summary>Takes what the heartbeat changed; true when the subscription (names, regex, assignor) changed.</summary>
    private static bool Update(ConsumerGroupMember member, ConsumerGroupHeartbeatCommand heartbeat)
    {
        var changed = false;
        member.ClientId = heartbeat.ClientId;
        member.ClientHost = heartbeat.ClientHost;
        member.RackId = heartbeat.RackId ?? member.RackId;
        member.RebalanceTimeout = heartbeat.RebalanceTimeout ?? member.RebalanceTimeout;
        if (heartbeat.SubscribedTopicNames is { } names && !names.Order(StringComparer.Ordinal).SequenceEqual(member.SubscribedTopicNames.Order(StringComparer.Ordinal)))
        {
            member.SubscribedTopicNames = names.Distinct().ToList();
            changed = true;
        }
        // An empty expression clears a regular-expression subscription.
        if (heartbeat.SubscribedTopicRegex is { } regex && (regex.Length == 0 ? null : regex) != member.SubscribedTopicRegex)
        {
            member.SubscribedTopicRegex = regex.Length == 0 ? null : regex;
            changed = true;
        }
        if (heartbeat.ServerAssignor is { } assignor && assignor != member.ServerAssignor)
        {
            member.ServerAssignor = assignor;
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// Leaving: epoch -1 removes the member at once; epoch -2 (a static member restarting) keeps it, its
    /// partitions and its target until its session times out, so a new instance can take over without a rebalance.
    /// </summary>
    private ConsumerGroupHeartbeatResult Leave(ConsumerGroupHeartbeatCommand heartbeat)
    {
        if (!_members.TryGetValue(heartbeat.MemberId, out var member))
            return ConsumerGroupHeartbeatResult.Failure(ErrorCode.UnknownMemberId);
        if (heartbeat.InstanceId is { } instanceId && instanceId != member.InstanceId)
            return ConsumerGroupHeartbeatResult.Failure(ErrorCode.FencedInstanceId);
        if (heartbeat.MemberEpoch == ConsumerGroupHeartbeatCommand.StaticLeaveEpoch && member.InstanceId is not null)
        {
            member.MemberEpoch = ConsumerGroupHeartbeatCommand.StaticLeaveEpoch;
            member.RebalanceDeadline = null;
            GroupLog.StaticMemberLeft(_logger, GroupId, member.InstanceId, member.MemberId);
        }
        else
        {
            GroupLog.MemberRemoved(_logger, GroupId, member.MemberId, "it left the group");
            Remove(member);
        }
        return new ConsumerGroupHeartbeatResult
        {
            Error = ErrorCode.None,
            MemberId = member.MemberId,
            MemberEpoch = heartbeat.MemberEpoch,
            HeartbeatInterval = _options.ConsumerHeartbeatInterval,
        };
    }

    /// <summary>Moves a member one step towards its target and keeps the partition holders and its rebalance deadline in step.</summary>
    private void ReconcileMember(ConsumerGroupMember member, IReadOnlySet<TopicIdPartition>? owned, DateTimeOffset now)
    {
        var target = _target.GetValueOrDefault(member.MemberId, Assignments.None);
        var next = Reconciliation.Next(member, AssignmentEpoch, target, p => _holders.TryGetValue(p, out var holder) && holder != member.MemberId, owned);
        var startsRevoking = next.State == MemberState.UnrevokedPartitions
            && (member.State != MemberState.UnrevokedPartitions || !Assignments.Same(member.PendingRevocation, next.PendingRevocation));
        SetHolder(member, next.Assigned, next.PendingRevocation);
        member.Apply(next);
        if (member.UsesClassicProtocol)
            return;
        if (startsRevoking)
            member.RebalanceDeadline = now + member.RebalanceTimeout;
        else if (member.State != MemberState.UnrevokedPartitions)
            member.RebalanceDeadline = null;
    }

    /// <summary>Whether the member owns no partition outside <paramref name="assigned"/> (an unreported set counts as no).</summary>
    private static bool IsSubset(IReadOnlySet<TopicIdPartition>? owned, IReadOnlySet<TopicIdPartition> assigned) =>
        owned is not null && owned.IsSubsetOf(assigned);
}
