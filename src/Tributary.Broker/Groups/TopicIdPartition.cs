namespace Tributary.Broker.Groups;

/// <summary>A partition named by topic id, as KIP-848 assignments name it.</summary>
/// <param name="TopicId">The topic id.</param>
/// <param name="Partition">The partition index.</param>
internal readonly record struct TopicIdPartition(Guid TopicId, int Partition);

/// <summary>What a consumer group needs to know of a topic to assign it.</summary>
/// <param name="Id">The topic id.</param>
/// <param name="Name">The topic name.</param>
/// <param name="PartitionCount">The number of partitions.</param>
internal sealed record TopicMetadata(Guid Id, string Name, int PartitionCount)
{
    /// <summary>Every partition of the topic.</summary>
    public IEnumerable<TopicIdPartition> Partitions => Enumerable.Range(0, PartitionCount).Select(p => new TopicIdPartition(Id, p));
}

/// <summary>Set helpers for assignments.</summary>
internal static class Assignments
{
    /// <summary>The empty assignment.</summary>
    public static readonly IReadOnlySet<TopicIdPartition> None = new HashSet<TopicIdPartition>();

    /// <summary>Whether two assignments hold the same partitions.</summary>
    public static bool Same(IReadOnlySet<TopicIdPartition> left, IReadOnlySet<TopicIdPartition> right) => left.SetEquals(right);

    /// <summary>The partitions grouped by topic id, topics and partitions in order (for responses).</summary>
    public static IEnumerable<(Guid TopicId, List<int> Partitions)> ByTopic(IEnumerable<TopicIdPartition> partitions) =>
        partitions.GroupBy(p => p.TopicId)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Select(p => p.Partition).Order().ToList()));
}
