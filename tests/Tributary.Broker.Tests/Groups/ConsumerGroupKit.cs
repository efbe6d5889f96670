using Tributary.Broker.Groups;

namespace Tributary.Broker.Tests.Groups;

/// <summary>Helpers that speak ConsumerGroupHeartbeat (KIP-848) for members of <see cref="GroupTestKit.GroupId"/>.</summary>
internal static class ConsumerGroupKit
{
    public static readonly TimeSpan RebalanceTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Adds a topic, or gives an existing one (same id) a new partition count.</summary>
    public static TopicMetadata AddTopic(this GroupTestKit kit, string name, int partitions)
    {
        var topic = new TopicMetadata(kit.Topics.FirstOrDefault(t => t.Name == name)?.Id ?? Guid.NewGuid(), name, partitions);
        kit.Topics.RemoveAll(t => t.Name == name);
        kit.Topics.Add(topic);
        return topic;
    }

    public static ConsumerGroupHeartbeatResult Join(this GroupTestKit kit, string memberId, string[]? topics = null, string? instanceId = null,
        string? assignor = null, string? regex = null) =>
        kit.Coordinator.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand
        {
            GroupId = GroupTestKit.GroupId,
            MemberId = memberId,
            MemberEpoch = 0,
            InstanceId = instanceId,
            RebalanceTimeout = RebalanceTimeout,
            SubscribedTopicNames = regex is null ? topics ?? ["topic"] : topics,
            SubscribedTopicRegex = regex,
            ServerAssignor = assignor,
            OwnedPartitions = new HashSet<TopicIdPartition>(),
            ClientId = memberId + "-client",
            ClientHost = "/127.0.0.1",
        });

    /// <summary>A regular heartbeat; <paramref name="owned"/> null means "unchanged since the last heartbeat".</summary>
    public static ConsumerGroupHeartbeatResult Beat(this GroupTestKit kit, string memberId, int epoch, IReadOnlySet<TopicIdPartition>? owned = null,
        string? instanceId = null) =>
        kit.Coordinator.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand
        {
            GroupId = GroupTestKit.GroupId,
            MemberId = memberId,
            MemberEpoch = epoch,
            InstanceId = instanceId,
            OwnedPartitions = owned,
        });

    public static ConsumerGroupHeartbeatResult LeaveConsumerGroup(this GroupTestKit kit, string memberId, bool staticMember = false, string? instanceId = null) =>
        kit.Coordinator.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand
        {
            GroupId = GroupTestKit.GroupId,
            MemberId = memberId,
            MemberEpoch = staticMember ? -2 : -1,
            InstanceId = instanceId,
        });

    public static ConsumerGroupDescription DescribeConsumerGroup(this GroupTestKit kit) =>
        kit.Coordinator.DescribeConsumerGroups([GroupTestKit.GroupId]).Single();

    public static ConsumerGroupMemberDescription MemberOf(this GroupTestKit kit, string memberId) =>
        kit.DescribeConsumerGroup().Members.Single(m => m.MemberId == memberId);

    public static HashSet<TopicIdPartition> Partitions(this TopicMetadata topic, params int[] partitions) =>
        partitions.Select(p => new TopicIdPartition(topic.Id, p)).ToHashSet();

    public static int[] Indexes(this IReadOnlySet<TopicIdPartition>? assignment) =>
        assignment?.Select(p => p.Partition).Order().ToArray() ?? throw new InvalidOperationException("No assignment in the response.");
}
