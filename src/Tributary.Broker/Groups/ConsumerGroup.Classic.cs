using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// Classic members (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) inside a consumer group, as Kafka 4 serves them
/// while a group upgrades online: the coordinator assigns their partitions too; JoinGroup answers at once with
/// the member epoch as generation and no leader, SyncGroup returns the member's reconciled assignment, and
/// Heartbeat asks the member to rejoin (REBALANCE_IN_PROGRESS) whenever it has something to revoke or receive.
/// </summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>A classic member joins (or rejoins) the consumer group.</summary>
    public JoinGroupResult ClassicJoin(JoinGroupCommand join, IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now)
    {
        var memberId = join.MemberId.Length > 0 ? join.MemberId : $"{join.GroupInstanceId ?? join.ClientId}-{Guid.NewGuid()}";
        if (_members.Count >= _options.ConsumerMaxSize && !_members.ContainsKey(memberId))
            return JoinGroupResult.Failure(ErrorCode.GroupMaxSizeReached, join.MemberId);
        var subscription = join.ProtocolType == ConsumerProtocolSubscription.ProtocolType && join.Protocols.Count > 0
            ? ConsumerProtocolSubscription.TryRead(join.Protocols[0].Metadata)
            : null;
        if (subscription is null)
            return JoinGroupResult.Failure(ErrorCode.InconsistentGroupProtocol, join.MemberId);
        if (join.MemberId.Length == 0 && join.GroupInstanceId is null && join.RequireKnownMemberId)
            return JoinGroupResult.Failure(ErrorCode.MemberIdRequired, memberId);

        var error = FindOrAddClassicMember(join, memberId, out var member, out var joined);
        if (error != ErrorCode.None)
            return JoinGroupResult.Failure(error, join.MemberId);
        member.ClientId = join.ClientId;
        member.ClientHost = join.ClientHost;
        member.RebalanceTimeout = join.RebalanceTimeout;
        member.RackId = subscription.RackId ?? member.RackId;
        member.Classic = new ClassicMemberDetails(join.SessionTimeout, join.Protocols);
        var subscriptionChanged = !subscription.Topics.Order(StringComparer.Ordinal).SequenceEqual(member.SubscribedTopicNames.Order(StringComparer.Ordinal));
        member.SubscribedTopicNames = subscription.Topics.Distinct().ToList();
        RefreshAssignment(topics, joined ? $"classic member {memberId} joined"
            : subscriptionChanged ? $"classic member {memberId} changed its subscription"
            : null);
        ReconcileMember(member, ToIds(subscription.OwnedPartitions, topics), now);
        member.SessionDeadline = now + join.SessionTimeout;
        // The member must now send SyncGroup within its rebalance timeout.
        member.RebalanceDeadline = now + join.RebalanceTimeout;
        return new JoinGroupResult
        {
            Error = ErrorCode.None,
            GenerationId = member.MemberEpoch,
            ProtocolType = ConsumerProtocolSubscription.ProtocolType,
            ProtocolName = join.Protocols[0].Name,
            MemberId = member.MemberId,
        };
    }

    /// <summary>SyncGroup of a classic member: its assignment, in the consumer protocol's format.</summary>
    public SyncGroupResult ClassicSync(SyncGroupCommand sync, IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now)
    {
        var error = FindClassicMember(sync.MemberId, sync.GroupInstanceId, sync.GenerationId, out var member);
        if (error != ErrorCode.None)
            return SyncGroupResult.Failure(error);
        var protocol = member.Classic!.Protocols[0];
        if ((sync.ProtocolType is not null && sync.ProtocolType != ConsumerProtocolSubscription.ProtocolType)
            || (sync.ProtocolName is not null && sync.ProtocolName != protocol.Name))
        {
            return SyncGroupResult.Failure(ErrorCode.InconsistentGroupProtocol);
        }
        // A member behind the group epoch must rejoin first, unless it is still revoking after its rejoin.
        if (GroupEpoch > member.MemberEpoch && member.State != MemberState.UnrevokedPartitions)
            return SyncGroupResult.Failure(ErrorCode.RebalanceInProgress);
        member.RebalanceDeadline = null;
        member.SessionDeadline = now + member.Classic.SessionTimeout;
        var version = ConsumerProtocolSubscription.TryRead(protocol.Metadata)?.Version ?? 0;
        return new SyncGroupResult(ErrorCode.None, ConsumerProtocolSubscription.ProtocolType, protocol.Name,
            ConsumerProtocolAssignment.Write(version, ToNames(member.Assigned, topics)));
    }

    /// <summary>Heartbeat of a classic member: REBALANCE_IN_PROGRESS when it must rejoin to revoke or to receive partitions.</summary>
    public ErrorCode ClassicHeartbeat(HeartbeatCommand heartbeat, DateTimeOffset now)
    {
        var error = FindClassicMember(heartbeat.MemberId, heartbeat.GroupInstanceId, heartbeat.GenerationId, out var member);
        if (error != ErrorCode.None)
            return error;
        member.SessionDeadline = now + member.Classic!.SessionTimeout;
        var mustRejoin = member.MemberEpoch < GroupEpoch
            || member.State == MemberState.UnrevokedPartitions
            || (member.State == MemberState.UnreleasedPartitions && !WaitsForUnreleased(member));
        if (!mustRejoin)
            return ErrorCode.None;
        member.RebalanceDeadline ??= now + member.RebalanceTimeout;
        return ErrorCode.RebalanceInProgress;
    }

    /// <summary>LeaveGroup of classic members: each leaves at once, which bumps the group epoch.</summary>
    public LeaveGroupResult ClassicLeave(IReadOnlyList<LeavingMember> leaving)
    {
        var results = leaving.Select(l =>
        {
            var error = FindClassicMember(l.MemberId, l.GroupInstanceId, generationId: null, out var member);
            if (error == ErrorCode.None)
            {
                GroupLog.MemberRemoved(_logger, GroupId, member.MemberId, "it left the group");
                Remove(member);
            }
            return new LeftMember(l.MemberId, l.GroupInstanceId, error);
        }).ToList();
        return new LeaveGroupResult(ErrorCode.None, results);
    }

    private ErrorCode FindOrAddClassicMember(JoinGroupCommand join, string memberId, out ConsumerGroupMember member, out bool joined)
    {
        joined = false;
        if (join.GroupInstanceId is { } instanceId && _memberIdByInstanceId.TryGetValue(instanceId, out var existingId))
        {
            if (join.MemberId.Length > 0 && join.MemberId != existingId)
            {
                member = null!;
                return ErrorCode.FencedInstanceId;
            }
            // A static classic member that comes back without its id takes over its instance's partitions.
            member = existingId == memberId ? _members[existingId] : Replace(_members[existingId], memberId);
            return ErrorCode.None;
        }
        if (_members.TryGetValue(memberId, out member!))
            return ErrorCode.None;
        if (join.MemberId.Length > 0)
            return ErrorCode.UnknownMemberId;
        member = new ConsumerGroupMember(memberId) { InstanceId = join.GroupInstanceId };
        _members.Add(memberId, member);
        if (member.InstanceId is { } newInstanceId)
            _memberIdByInstanceId[newInstanceId] = memberId;
        joined = true;
        return ErrorCode.None;
    }

    /// <summary>Kafka's checks for a classic member's SyncGroup, Heartbeat and LeaveGroup in a consumer group.</summary>
    private ErrorCode FindClassicMember(string memberId, string? instanceId, int? generationId, out ConsumerGroupMember member)
    {
        member = null!;
        if (instanceId is not null)
        {
            if (!_memberIdByInstanceId.TryGetValue(instanceId, out var staticId))
                return ErrorCode.UnknownMemberId;
            if (memberId.Length > 0 && staticId != memberId)
                return ErrorCode.FencedInstanceId;
            memberId = staticId;
        }
        if (!_members.TryGetValue(memberId, out var found))
            return ErrorCode.UnknownMemberId;
        member = found;
        if (generationId is null)
            return ErrorCode.None;
        if (!found.UsesClassicProtocol)
            return ErrorCode.UnknownMemberId;
        return generationId == found.MemberEpoch ? ErrorCode.None : ErrorCode.IllegalGeneration;
    }

    /// <summary>Whether a partition of the member's target is still held by another member.</summary>
    private bool WaitsForUnreleased(ConsumerGroupMember member) =>
        _target.GetValueOrDefault(member.MemberId, Assignments.None)
            .Any(p => !member.Assigned.Contains(p) && _holders.TryGetValue(p, out var holder) && holder != member.MemberId);

    private static HashSet<TopicIdPartition> ToIds(IEnumerable<(string Topic, int Partition)> partitions, IReadOnlyCollection<TopicMetadata> topics)
    {
        var ids = topics.ToDictionary(t => t.Name, t => t.Id, StringComparer.Ordinal);
        return partitions.Where(p => ids.ContainsKey(p.Topic)).Select(p => new TopicIdPartition(ids[p.Topic], p.Partition)).ToHashSet();
    }

    private static IEnumerable<(string Topic, int Partition)> ToNames(IEnumerable<TopicIdPartition> partitions, IReadOnlyCollection<TopicMetadata> topics)
    {
        var names = topics.ToDictionary(t => t.Id, t => t.Name);
        return partitions.Where(p => names.ContainsKey(p.TopicId)).Select(p => (names[p.TopicId], p.Partition));
    }
}
