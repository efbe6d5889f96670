using Tributary.Broker.Groups;

namespace Tributary.Broker.Tests.Groups;

/// <summary>The server-side assignors, uniform and range, as pure functions.</summary>
public sealed class ConsumerGroupAssignorTests
{
    private static readonly TopicMetadata Orders = new(Guid.NewGuid(), "orders", 7);
    private static readonly TopicMetadata Payments = new(Guid.NewGuid(), "payments", 7);
    private static readonly Dictionary<Guid, TopicMetadata> Topics = new() { [Orders.Id] = Orders, [Payments.Id] = Payments };

    private static AssignorMember Member(string id, IReadOnlySet<TopicIdPartition>? current = null, params TopicMetadata[] topics) =>
        new(id, null, (topics.Length == 0 ? [Orders] : topics).Select(t => t.Id).ToHashSet(), current ?? Assignments.None);

    private static void AssertEveryPartitionOnce(IReadOnlyDictionary<string, IReadOnlySet<TopicIdPartition>> assignment, params TopicMetadata[] topics)
    {
        var all = assignment.Values.SelectMany(p => p).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(topics.SelectMany(t => t.Partitions).ToHashSet(), all.ToHashSet());
    }

    [Fact]
    public void Uniform_spreads_partitions_so_that_counts_differ_by_at_most_one()
    {
        var assignment = new UniformAssignor().Assign([Member("a"), Member("b"), Member("c")], Topics);

        AssertEveryPartitionOnce(assignment, Orders);
        Assert.Equal([2, 2, 3], assignment.Values.Select(p => p.Count).Order());
    }

    [Fact]
    public void Uniform_keeps_each_members_partitions_when_a_newcomer_joins_and_only_moves_what_balance_needs()
    {
        var uniform = new UniformAssignor();
        var before = uniform.Assign([Member("a"), Member("b")], Topics);

        var after = uniform.Assign([Member("a", before["a"]), Member("b", before["b"]), Member("c")], Topics);

        AssertEveryPartitionOnce(after, Orders);
        Assert.Subset(before["a"].ToHashSet(), after["a"].ToHashSet());
        Assert.Subset(before["b"].ToHashSet(), after["b"].ToHashSet());
        Assert.Equal(2, after["c"].Count);
    }

    [Fact]
    public void Uniform_gives_each_partition_only_to_members_subscribed_to_its_topic()
    {
        var assignment = new UniformAssignor().Assign([Member("a", null, Orders), Member("b", null, Orders, Payments)], Topics);

        AssertEveryPartitionOnce(assignment, Orders, Payments);
        Assert.All(assignment["a"], p => Assert.Equal(Orders.Id, p.TopicId));
        Assert.InRange(Math.Abs(assignment["a"].Count - assignment["b"].Count), 0, 1);
    }

    [Fact]
    public void Uniform_drops_partitions_of_topics_the_member_no_longer_subscribes_to()
    {
        var assignment = new UniformAssignor().Assign([Member("a", Payments.Partitions(0, 1), Orders)], Topics);

        Assert.All(assignment["a"], p => Assert.Equal(Orders.Id, p.TopicId));
        Assert.Equal(7, assignment["a"].Count);
    }

    [Fact]
    public void Range_gives_consecutive_ranges_the_first_members_one_more_and_the_same_numbers_of_co_partitioned_topics()
    {
        var assignment = new RangeAssignor().Assign([Member("b", null, Orders, Payments), Member("a", null, Orders, Payments)], Topics);

        AssertEveryPartitionOnce(assignment, Orders, Payments);
        Assert.Equal([0, 1, 2, 3], assignment["a"].Where(p => p.TopicId == Orders.Id).Select(p => p.Partition).Order());
        Assert.Equal([4, 5, 6], assignment["b"].Where(p => p.TopicId == Orders.Id).Select(p => p.Partition).Order());
        Assert.Equal(assignment["a"].Where(p => p.TopicId == Orders.Id).Select(p => p.Partition).Order(),
            assignment["a"].Where(p => p.TopicId == Payments.Id).Select(p => p.Partition).Order());
    }

    [Fact]
    public void A_member_without_subscribed_partitions_gets_an_empty_assignment()
    {
        foreach (IConsumerGroupAssignor assignor in new IConsumerGroupAssignor[] { new UniformAssignor(), new RangeAssignor() })
        {
            var assignment = assignor.Assign([Member("a"), Member("b", null, new TopicMetadata(Guid.NewGuid(), "gone", 1))], Topics);
            Assert.Empty(assignment["b"]);
        }
    }
}
