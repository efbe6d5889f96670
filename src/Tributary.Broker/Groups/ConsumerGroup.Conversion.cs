using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Groups;

/// <summary>Building a consumer group from a classic group that upgrades online.</summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>
    /// The consumer group a classic group of consumers becomes when its first member of the new protocol arrives:
    /// every classic member keeps its subscription and partitions at an epoch equal to the generation, which is
    /// the group epoch, so the target assignment is what the members own until the newcomer bumps the epoch.
    /// </summary>
    public static ConsumerGroup FromClassic(ClassicGroup classic, GroupCoordinatorOptions options, ILogger logger,
        IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now)
    {
        var group = new ConsumerGroup(classic.GroupId, options, logger, classic.Offsets)
        {
            GroupEpoch = classic.GenerationId,
            AssignmentEpoch = classic.GenerationId,
            AssignorName = classic.ProtocolName ?? "",
        };
        foreach (var old in classic.Members)
        {
            var protocol = old.Protocols.FirstOrDefault(p => p.Name == classic.ProtocolName) ?? old.Protocols[0];
            var subscription = ConsumerProtocolSubscription.TryRead(protocol.Metadata);
            var assigned = ToIds(ConsumerProtocolAssignment.TryRead(old.Assignment) ?? [], topics);
            var member = new ConsumerGroupMember(old.MemberId)
            {
                InstanceId = old.GroupInstanceId,
                RackId = subscription?.RackId,
                ClientId = old.ClientId,
                ClientHost = old.ClientHost,
                RebalanceTimeout = old.RebalanceTimeout,
                SubscribedTopicNames = subscription?.Topics ?? [],
                Classic = new ClassicMemberDetails(old.SessionTimeout, old.Protocols),
                SessionDeadline = now + old.SessionTimeout,
            };
            member.Apply(new ReconciledAssignment(classic.GenerationId, MemberState.Stable, assigned, Assignments.None));
            group._members.Add(member.MemberId, member);
            if (member.InstanceId is { } instanceId)
                group._memberIdByInstanceId[instanceId] = member.MemberId;
            group._target[member.MemberId] = assigned;
            foreach (var partition in assigned)
                group._holders[partition] = member.MemberId;
        }
        group._subscribedTopics = group._members.Values.SelectMany(m => group.SubscribedTopics(m, topics)).DistinctBy(t => t.Id).ToDictionary(t => t.Id);
        return group;
    }

    /// <summary>Whether every member joined with JoinGroup (the last member of the new protocol is gone).</summary>
    public bool OnlyClassicMembers => _members.Count > 0 && _members.Values.All(m => m.UsesClassicProtocol);
}
