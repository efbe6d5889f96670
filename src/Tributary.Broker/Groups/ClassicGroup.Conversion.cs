using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Groups;

/// <summary>Building a classic group from a consumer group whose last member of the new protocol left.</summary>
internal sealed partial class ClassicGroup
{
    /// <summary>
    /// The classic group a consumer group becomes when only classic members remain: they keep their partitions
    /// (as consumer-protocol assignments) at a generation equal to the group epoch, and a rebalance starts at once
    /// so that they share out the partitions the departed members held, as Kafka 4 does.
    /// </summary>
    public static ClassicGroup FromConsumer(ConsumerGroup consumer, GroupCoordinatorOptions options, ILogger logger,
        IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now, DeferredCompletions done)
    {
        var names = topics.ToDictionary(t => t.Id, t => t.Name);
        var group = new ClassicGroup(consumer.GroupId, options, logger, consumer.Offsets)
        {
            GenerationId = consumer.GroupEpoch,
            ProtocolType = ConsumerProtocolSubscription.ProtocolType,
            State = GroupState.Stable,
        };
        foreach (var old in consumer.Members)
        {
            var details = old.Classic!;
            var join = new JoinGroupCommand
            {
                GroupId = consumer.GroupId,
                MemberId = old.MemberId,
                GroupInstanceId = old.InstanceId,
                ClientId = old.ClientId,
                ClientHost = old.ClientHost,
                SessionTimeout = details.SessionTimeout,
                RebalanceTimeout = old.RebalanceTimeout,
                ProtocolType = ConsumerProtocolSubscription.ProtocolType,
                Protocols = details.Protocols,
            };
            var member = new GroupMember(old.MemberId, join, now);
            var version = ConsumerProtocolSubscription.TryRead(details.Protocols[0].Metadata)?.Version ?? 0;
            member.Assignment = ConsumerProtocolAssignment.Write(version,
                old.Assigned.Where(p => names.ContainsKey(p.TopicId)).Select(p => (names[p.TopicId], p.Partition)));
            group._members.Add(member.MemberId, member);
            if (member.GroupInstanceId is { } instanceId)
                group._memberIdByInstanceId[instanceId] = member.MemberId;
        }
        group.LeaderId = group._members.GetAt(0).Key;
        group.ProtocolName = group.SelectProtocol();
        group.PrepareRebalance(now, done, "the group was downgraded from the consumer protocol");
        return group;
    }
}
