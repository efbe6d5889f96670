using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Groups;

/// <summary>Static membership (group.instance.id) in consumer groups on the manual clock.</summary>
public sealed class ConsumerGroupStaticMembershipTests : IDisposable
{
    private readonly GroupTestKit _kit = new(new GroupCoordinatorOptions { ConsumerSessionTimeout = TimeSpan.FromSeconds(10) });

    public ConsumerGroupStaticMembershipTests() => _kit.AddTopic("topic", 4);

    public void Dispose() => _kit.Dispose();

    private ConsumerGroupHeartbeatResult StableStaticPair()
    {
        var a = _kit.Join("a1", instanceId: "instance-a");
        _kit.Join("b", instanceId: "instance-b");
        var revoking = _kit.Beat("a1", a.MemberEpoch, owned: a.Assignment);
        var stable = _kit.Beat("a1", revoking.MemberEpoch, owned: revoking.Assignment);
        _kit.Beat("b", 2);
        Assert.Equal("Stable", _kit.DescribeConsumerGroup().State);
        return stable with { Assignment = revoking.Assignment };
    }

    [Fact]
    public void A_static_member_that_leaves_with_epoch_minus_two_keeps_its_partitions_and_its_new_instance_takes_them_over_without_a_rebalance()
    {
        var a = StableStaticPair();
        var epochBefore = _kit.DescribeConsumerGroup().GroupEpoch;

        var left = _kit.LeaveConsumerGroup("a1", staticMember: true, instanceId: "instance-a");
        Assert.Equal(-2, left.MemberEpoch);
        Assert.Equal(-2, _kit.MemberOf("a1").MemberEpoch);

        var back = _kit.Join("a2", instanceId: "instance-a");

        Assert.Equal(a.Assignment!.Indexes(), back.Assignment.Indexes());
        Assert.Equal(epochBefore, back.MemberEpoch);
        Assert.Equal(epochBefore, _kit.DescribeConsumerGroup().GroupEpoch);
        Assert.Equal(["a2", "b"], _kit.DescribeConsumerGroup().Members.Select(m => m.MemberId).Order());
        Assert.Null(_kit.Beat("b", epochBefore).Assignment);
    }

    [Fact]
    public void An_instance_id_still_in_use_is_refused_with_unreleased_instance_id()
    {
        StableStaticPair();

        Assert.Equal(ErrorCode.UnreleasedInstanceId, _kit.Join("intruder", instanceId: "instance-a").Error);
    }

    [Fact]
    public void A_static_member_that_does_not_come_back_within_its_session_timeout_is_removed_and_its_partitions_move()
    {
        StableStaticPair();
        _kit.LeaveConsumerGroup("a1", staticMember: true, instanceId: "instance-a");

        for (var i = 0; i < 2; i++)
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(4));
            Assert.Null(_kit.Beat("b", _kit.MemberOf("b").MemberEpoch).Assignment);
        }
        _kit.Clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(["b"], _kit.DescribeConsumerGroup().Members.Select(m => m.MemberId));
        Assert.Equal([0, 1, 2, 3], _kit.Beat("b", _kit.MemberOf("b").MemberEpoch).Assignment.Indexes());
    }

    [Fact]
    public void A_heartbeat_naming_the_instance_with_another_member_id_is_fenced()
    {
        StableStaticPair();

        Assert.Equal(ErrorCode.FencedInstanceId, _kit.Beat("b", 2, instanceId: "instance-a").Error);
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Beat("b", 2, instanceId: "no-such-instance").Error);
    }
}
