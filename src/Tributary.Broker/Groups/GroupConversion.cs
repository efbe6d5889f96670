using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Groups;

/// <summary>
/// When a group changes type, as Kafka 4 does with its default <c>group.consumer.migration.policy=bidirectional</c>:
/// an empty group becomes the type of the protocol a newcomer speaks (keeping its offsets); a classic group of
/// consumers upgrades online when a member of the new protocol joins, its classic members staying in the consumer
/// group; the consumer group downgrades back when its last member of the new protocol is gone.
/// </summary>
internal static class GroupConversion
{
    /// <summary>The consumer group <paramref name="classic"/> becomes for a joining consumer-protocol member, or null if it cannot.</summary>
    public static ConsumerGroup? TryUpgrade(ClassicGroup classic, GroupCoordinatorOptions options, ILogger logger,
        IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now, DeferredCompletions done)
    {
        if (classic.IsEmpty)
        {
            GroupLog.GroupConverted(logger, classic.GroupId, ClassicGroup.ClassicGroupType, ConsumerGroup.ConsumerGroupType, "a consumer-protocol member joined the empty group");
            return new ConsumerGroup(classic.GroupId, options, logger, classic.Offsets);
        }
        if (classic.ProtocolType != ConsumerProtocolSubscription.ProtocolType || classic.Members.Count() > options.ConsumerMaxSize)
            return null;
        // Members waiting in a rebalance are told to rejoin: they will join the consumer group.
        classic.AbortWaiters(Tributary.Protocol.ErrorCode.RebalanceInProgress, done);
        GroupLog.GroupConverted(logger, classic.GroupId, ClassicGroup.ClassicGroupType, ConsumerGroup.ConsumerGroupType, "a consumer-protocol member joined (online upgrade)");
        return ConsumerGroup.FromClassic(classic, options, logger, topics, now);
    }

    /// <summary>The classic group <paramref name="group"/> goes back to once only classic members remain, or null.</summary>
    public static ClassicGroup? TryDowngrade(Group group, GroupCoordinatorOptions options, ILogger logger,
        IReadOnlyCollection<TopicMetadata> topics, DateTimeOffset now, DeferredCompletions done)
    {
        if (group is not ConsumerGroup { OnlyClassicMembers: true } consumer)
            return null;
        GroupLog.GroupConverted(logger, group.GroupId, ConsumerGroup.ConsumerGroupType, ClassicGroup.ClassicGroupType, "only classic members remain (online downgrade)");
        return ClassicGroup.FromConsumer(consumer, options, logger, topics, now, done);
    }
}
