using Tributary.Protocol.Messages.Internal;

namespace Tributary.Broker.Groups;

/// <summary>What <see cref="ConsumerGroupRecords"/> stores of the group, and the group rebuilt from them.</summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>The subscribed topics as of the last target assignment (ConsumerGroupPartitionMetadata).</summary>
    public IEnumerable<TopicMetadata> SubscribedTopicMetadata => _subscribedTopics.Values;

    /// <summary>Each member's target assignment, members in join order.</summary>
    public IEnumerable<(string MemberId, IReadOnlySet<TopicIdPartition> Target)> TargetAssignment =>
        _members.Keys.Where(_target.ContainsKey).Select(id => (id, _target[id]))
            .Concat(_target.Where(t => !_members.ContainsKey(t.Key)).Select(t => (t.Key, t.Value)));

    /// <summary>
    /// Takes the group a partition's log recorded (a coordinator loading its partition), as Kafka's coordinator replays
    /// it: epochs, subscribed topics, targets, and every member with its subscription, member epoch, state and
    /// partitions, so members go on heartbeating at their epoch without a rebalance. Sessions start again at
    /// <paramref name="now"/>, and a member that was revoking gets its rebalance timeout again.
    /// </summary>
    public void Restore(LoadedConsumerGroup loaded, DateTimeOffset now)
    {
        GroupEpoch = loaded.GroupEpoch;
        // A log written before targets were stored has the group epoch only.
        AssignmentEpoch = loaded.AssignmentEpoch ?? loaded.GroupEpoch;
        _subscribedTopics = loaded.SubscribedTopics.ToDictionary(t => t.Id);
        foreach (var (memberId, target) in loaded.Targets)
            _target[memberId] = target;
        foreach (var (memberId, metadata) in loaded.Members)
        {
            var member = new ConsumerGroupMember(memberId)
            {
                InstanceId = metadata.InstanceId,
                RackId = metadata.RackId,
                ClientId = metadata.ClientId,
                ClientHost = metadata.ClientHost,
                SubscribedTopicNames = metadata.SubscribedTopicNames,
                SubscribedTopicRegex = metadata.SubscribedTopicRegex,
                RebalanceTimeout = TimeSpan.FromMilliseconds(Math.Max(metadata.RebalanceTimeoutMs, 0)),
                ServerAssignor = metadata.ServerAssignor,
                Classic = metadata.ClassicMemberMetadata is { } classic
                    ? new ClassicMemberDetails(TimeSpan.FromMilliseconds(classic.SessionTimeoutMs), classic.SupportedProtocols.Select(p => new GroupProtocol(p.Name, p.Metadata)).ToList())
                    : null,
            };
            if (loaded.Current.TryGetValue(memberId, out var current))
            {
                member.MemberEpoch = current.MemberEpoch;
                member.PreviousMemberEpoch = current.PreviousMemberEpoch;
                member.State = (MemberState)current.State;
                member.Assigned = Partitions(current.AssignedPartitions);
                member.PendingRevocation = Partitions(current.PartitionsPendingRevocation);
                // The log does not say since when each partition was owned: from the member's epoch, the safe side for KIP-1251 commits.
                foreach (var partition in member.Assigned)
                    member.AssignedSince[partition] = member.MemberEpoch;
            }
            member.SessionDeadline = now + (member.Classic?.SessionTimeout ?? _options.ConsumerSessionTimeout);
            if (member.State == MemberState.UnrevokedPartitions && !member.UsesClassicProtocol)
                member.RebalanceDeadline = now + member.RebalanceTimeout;
            _members.Add(memberId, member);
            if (member.InstanceId is { } instanceId)
                _memberIdByInstanceId[instanceId] = memberId;
            foreach (var partition in member.Assigned.Concat(member.PendingRevocation))
                _holders[partition] = memberId;
        }
        if (_members.Count > 0)
            AssignorName = ChooseAssignor().Name;
    }

    private static HashSet<TopicIdPartition> Partitions(IEnumerable<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> topics) =>
        topics.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p))).ToHashSet();
}
