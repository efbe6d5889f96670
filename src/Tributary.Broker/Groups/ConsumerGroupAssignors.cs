namespace Tributary.Broker.Groups;

/// <summary>A member as a server-side assignor sees it.</summary>
/// <param name="MemberId">The member id.</param>
/// <param name="InstanceId">The static instance id, if any.</param>
/// <param name="SubscribedTopicIds">The topics the member subscribes to (names and regular expression resolved).</param>
/// <param name="CurrentTarget">The member's target assignment before this computation, to stay sticky.</param>
internal sealed record AssignorMember(string MemberId, string? InstanceId, IReadOnlySet<Guid> SubscribedTopicIds, IReadOnlySet<TopicIdPartition> CurrentTarget);

/// <summary>
/// A server-side assignor (KIP-848's <c>ConsumerGroupPartitionAssignor</c>): computes the target assignment
/// of every member from subscriptions and topic metadata. Pure, so the same inputs give the same answer.
/// </summary>
internal interface IConsumerGroupAssignor
{
    /// <summary>The name members pick it by (<c>group.remote.assignor</c>) and brokers list it by (<c>group.consumer.assignors</c>).</summary>
    string Name { get; }

    /// <summary>The target assignment of every member (members without partitions get an empty set).</summary>
    IReadOnlyDictionary<string, IReadOnlySet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Guid, TopicMetadata> topics);
}

/// <summary>The assignors a broker can be configured with, by Kafka's names.</summary>
internal static class ConsumerGroupAssignors
{
    /// <summary>Every known assignor, by name.</summary>
    public static readonly IReadOnlyDictionary<string, IConsumerGroupAssignor> Known =
        new IConsumerGroupAssignor[] { new UniformAssignor(), new RangeAssignor() }.ToDictionary(a => a.Name, StringComparer.Ordinal);
}

/// <summary>
/// Kafka's <c>uniform</c> assignor: spreads every subscribed partition so that member counts differ by at most
/// one among members that could take it, and keeps each member's earlier partitions where that stays balanced
/// (sticky), so a rebalance moves as few partitions as possible.
/// </summary>
internal sealed class UniformAssignor : IConsumerGroupAssignor
{
    /// <inheritdoc />
    public string Name => "uniform";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, IReadOnlySet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Guid, TopicMetadata> topics)
    {
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var owned = ordered.ToDictionary(m => m.MemberId, _ => new HashSet<TopicIdPartition>(), StringComparer.Ordinal);
        var owner = new Dictionary<TopicIdPartition, string>();
        bool Eligible(AssignorMember member, TopicIdPartition partition) => member.SubscribedTopicIds.Contains(partition.TopicId);

        // Keep what each member had, if it still subscribes to it and the partition still exists.
        foreach (var member in ordered)
        {
            foreach (var partition in member.CurrentTarget)
            {
                if (Eligible(member, partition) && topics.TryGetValue(partition.TopicId, out var topic)
                    && partition.Partition < topic.PartitionCount && owner.TryAdd(partition, member.MemberId))
                {
                    owned[member.MemberId].Add(partition);
                }
            }
        }

        // Hand out the rest, each to the eligible member with the fewest partitions.
        var subscribedTopics = ordered.SelectMany(m => m.SubscribedTopicIds).Distinct().Where(topics.ContainsKey).OrderBy(id => topics[id].Name, StringComparer.Ordinal);
        foreach (var partition in subscribedTopics.SelectMany(id => topics[id].Partitions).Where(p => !owner.ContainsKey(p)))
        {
            var taker = ordered.Where(m => Eligible(m, partition)).MinBy(m => owned[m.MemberId].Count)!;
            owned[taker.MemberId].Add(partition);
            owner[partition] = taker.MemberId;
        }

        // Move partitions from the fullest to the emptiest eligible member until no move helps.
        var moved = true;
        while (moved)
        {
            moved = false;
            foreach (var (partition, from) in owner.OrderBy(o => o.Value, StringComparer.Ordinal).ThenBy(o => o.Key.TopicId).ThenBy(o => o.Key.Partition).ToList())
            {
                var to = ordered.Where(m => Eligible(m, partition)).MinBy(m => owned[m.MemberId].Count)!;
                if (owned[from].Count <= owned[to.MemberId].Count + 1)
                    continue;
                owned[from].Remove(partition);
                owned[to.MemberId].Add(partition);
                owner[partition] = to.MemberId;
                moved = true;
            }
        }
        return owned.ToDictionary(o => o.Key, o => (IReadOnlySet<TopicIdPartition>)o.Value, StringComparer.Ordinal);
    }
}

/// <summary>
/// Kafka's <c>range</c> assignor: for each topic, the members subscribed to it (by instance id, else member id)
/// take consecutive ranges of partitions, the first ones one more when the count does not divide evenly, so
/// members subscribed to co-partitioned topics get the same partition numbers of each.
/// </summary>
internal sealed class RangeAssignor : IConsumerGroupAssignor
{
    /// <inheritdoc />
    public string Name => "range";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, IReadOnlySet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Guid, TopicMetadata> topics)
    {
        var owned = members.ToDictionary(m => m.MemberId, _ => new HashSet<TopicIdPartition>(), StringComparer.Ordinal);
        foreach (var topic in topics.Values)
        {
            var subscribers = members.Where(m => m.SubscribedTopicIds.Contains(topic.Id))
                .OrderBy(m => m.InstanceId ?? m.MemberId, StringComparer.Ordinal)
                .ToList();
            if (subscribers.Count == 0)
                continue;
            var share = topic.PartitionCount / subscribers.Count;
            var extra = topic.PartitionCount % subscribers.Count;
            var next = 0;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var count = share + (i < extra ? 1 : 0);
                for (var p = next; p < next + count; p++)
                    owned[subscribers[i].MemberId].Add(new TopicIdPartition(topic.Id, p));
                next += count;
            }
        }
        return owned.ToDictionary(o => o.Key, o => (IReadOnlySet<TopicIdPartition>)o.Value, StringComparer.Ordinal);
    }
}
