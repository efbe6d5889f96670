using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Groups;

/// <summary>Incremental reconciliation on the manual clock: a partition changes owner only once released.</summary>
public sealed class ConsumerGroupReconciliationTests : IDisposable
{
    private readonly GroupTestKit _kit = new(new GroupCoordinatorOptions { ConsumerSessionTimeout = TimeSpan.FromMinutes(5) });
    private readonly TopicMetadata _topic;

    public ConsumerGroupReconciliationTests() => _topic = _kit.AddTopic("topic", 4);

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void A_newcomer_waits_for_partitions_until_their_owner_revoked_them_and_the_owner_keeps_its_epoch_meanwhile()
    {
        _kit.Join("a");
        var b = _kit.Join("b");
        Assert.Equal(2, b.MemberEpoch);
        Assert.Empty(b.Assignment!);
        Assert.Equal("Reconciling", _kit.DescribeConsumerGroup().State);

        // a still owns everything: it is told to keep two partitions and stays at epoch 1 until it lets the others go.
        var revoking = _kit.Beat("a", 1, owned: _topic.Partitions(0, 1, 2, 3));
        Assert.Equal(1, revoking.MemberEpoch);
        Assert.Equal(2, revoking.Assignment!.Count);
        Assert.Null(_kit.Beat("b", 2).Assignment);

        var released = _kit.Beat("a", 1, owned: revoking.Assignment);
        Assert.Equal(2, released.MemberEpoch);
        Assert.Null(released.Assignment);

        var received = _kit.Beat("b", 2);
        Assert.Equal(2, received.Assignment!.Count);
        Assert.Empty(received.Assignment.Intersect(revoking.Assignment));
        Assert.Equal("Stable", _kit.DescribeConsumerGroup().State);
    }

    [Fact]
    public void A_member_that_does_not_report_its_partitions_is_assumed_to_still_own_them()
    {
        _kit.Join("a");
        _kit.Join("b");
        var revoking = _kit.Beat("a", 1, owned: _topic.Partitions(0, 1, 2, 3));

        var silent = _kit.Beat("a", 1);

        Assert.Equal(1, silent.MemberEpoch);
        Assert.Empty(_kit.MemberOf("b").Assignment);
        Assert.Equal(2, revoking.Assignment!.Count);
    }

    [Fact]
    public void A_member_that_does_not_revoke_within_its_rebalance_timeout_is_fenced_and_its_partitions_move()
    {
        _kit.Join("a");
        _kit.Join("b");
        _kit.Beat("a", 1, owned: _topic.Partitions(0, 1, 2, 3));

        _kit.Clock.Advance(ConsumerGroupKit.RebalanceTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(["b"], _kit.DescribeConsumerGroup().Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Beat("a", 1).Error);
        var b = _kit.Beat("b", 2);
        Assert.Equal(3, b.MemberEpoch);
        Assert.Equal([0, 1, 2, 3], b.Assignment.Indexes());
    }

    [Fact]
    public void A_member_that_already_let_go_of_revoked_partitions_moves_to_the_new_epoch_at_once()
    {
        _kit.Join("a");
        _kit.Join("b");

        var a = _kit.Beat("a", 1, owned: new HashSet<TopicIdPartition>());

        Assert.Equal(2, a.MemberEpoch);
        Assert.Equal(2, a.Assignment!.Count);
    }

    [Fact]
    public void Describe_shows_each_members_current_and_target_assignment_by_topic_name()
    {
        _kit.Join("a");
        _kit.Join("b");

        var a = _kit.MemberOf("a");
        var b = _kit.MemberOf("b");

        Assert.Equal("topic", Assert.Single(a.Assignment).TopicName);
        Assert.Equal(4, a.Assignment.Single().Partitions.Count);
        Assert.Equal(2, a.TargetAssignment.Single().Partitions.Count);
        Assert.Empty(b.Assignment);
        Assert.Equal(2, b.TargetAssignment.Single().Partitions.Count);
        Assert.Equal(["topic"], b.SubscribedTopicNames);
        Assert.Equal("b-client", b.ClientId);
    }
}
