using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

/// <summary>ConsumerGroupHeartbeat on the manual clock: joining, epochs, fencing, validation and timeouts.</summary>
public sealed class ConsumerGroupHeartbeatTests : IDisposable
{
    private readonly GroupTestKit _kit = new(new GroupCoordinatorOptions
    {
        ConsumerHeartbeatInterval = TimeSpan.FromSeconds(1),
        ConsumerSessionTimeout = TimeSpan.FromSeconds(10),
        ConsumerMaxSize = 3,
    });
    private readonly TopicMetadata _topic;

    public ConsumerGroupHeartbeatTests() => _topic = _kit.AddTopic("topic", 4);

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void The_first_member_joins_at_epoch_one_with_every_partition_and_the_heartbeat_interval()
    {
        var joined = _kit.Join("a");

        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.Equal("a", joined.MemberId);
        Assert.Equal(1, joined.MemberEpoch);
        Assert.Equal(TimeSpan.FromSeconds(1), joined.HeartbeatInterval);
        Assert.Equal([0, 1, 2, 3], joined.Assignment.Indexes());
        var group = _kit.DescribeConsumerGroup();
        Assert.Equal(("Stable", 1, 1, "uniform"), (group.State, group.GroupEpoch, group.AssignmentEpoch, group.AssignorName));
    }

    [Fact]
    public void A_heartbeat_that_changes_nothing_keeps_the_epoch_and_sends_no_assignment()
    {
        _kit.Join("a");

        var beat = _kit.Beat("a", 1);

        Assert.Equal((ErrorCode.None, 1), (beat.Error, beat.MemberEpoch));
        Assert.Null(beat.Assignment);
    }

    [Fact]
    public void A_v0_member_without_id_gets_one_from_the_coordinator()
    {
        var joined = _kit.Coordinator.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand
        {
            GroupId = GroupId, MemberId = "", MemberEpoch = 0, RebalanceTimeout = TimeSpan.FromSeconds(5),
            SubscribedTopicNames = ["topic"], OwnedPartitions = new HashSet<TopicIdPartition>(), ClientGeneratesMemberId = false,
        });

        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.True(Guid.TryParse(joined.MemberId, out _));
    }

    [Fact]
    public void An_epoch_ahead_of_the_coordinator_is_fenced()
    {
        _kit.Join("a");

        Assert.Equal(ErrorCode.FencedMemberEpoch, _kit.Beat("a", 2).Error);
    }

    [Fact]
    public void The_previous_epoch_is_accepted_when_the_member_owns_no_more_than_its_assignment_because_the_bump_may_have_been_lost()
    {
        _kit.Join("a");
        _kit.AddTopic("topic", 6);
        var bumped = _kit.Beat("a", 1);
        Assert.Equal(2, bumped.MemberEpoch);

        var retried = _kit.Beat("a", 1, owned: _topic.Partitions(0, 1, 2, 3));

        Assert.Equal((ErrorCode.None, 2), (retried.Error, retried.MemberEpoch));
    }

    [Fact]
    public void The_previous_epoch_without_the_owned_partitions_is_fenced_as_in_kafka_because_the_coordinator_cannot_tell_what_the_member_owns()
    {
        // librdkafka sends this after a heartbeat timed out on its side (it waits one heartbeat interval) but
        // was processed here: Kafka fences it, and the member's partitions are lost without a commit.
        _kit.Join("a");
        _kit.AddTopic("topic", 6);
        Assert.Equal(2, _kit.Beat("a", 1).MemberEpoch);

        Assert.Equal(ErrorCode.FencedMemberEpoch, _kit.Beat("a", 1, owned: null).Error);
    }

    [Fact]
    public void An_older_epoch_than_the_previous_one_is_fenced()
    {
        _kit.Join("a");
        _kit.AddTopic("topic", 6);
        _kit.Beat("a", 1);
        _kit.AddTopic("topic", 8);
        _kit.Beat("a", 2);

        Assert.Equal(ErrorCode.FencedMemberEpoch, _kit.Beat("a", 1, owned: _topic.Partitions(0)).Error);
    }

    [Fact]
    public void An_unknown_member_and_an_unknown_group_are_told_so()
    {
        _kit.Join("a");

        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Beat("ghost", 1).Error);
        var missing = _kit.Coordinator.ConsumerGroupHeartbeat(new ConsumerGroupHeartbeatCommand { GroupId = "missing", MemberId = "a", MemberEpoch = 1 });
        Assert.Equal(ErrorCode.GroupIdNotFound, missing.Error);
    }

    [Fact]
    public void A_member_that_leaves_is_removed_and_the_group_epoch_moves()
    {
        _kit.Join("a");
        _kit.Join("b");

        var left = _kit.LeaveConsumerGroup("a");

        Assert.Equal((ErrorCode.None, -1), (left.Error, left.MemberEpoch));
        var group = _kit.DescribeConsumerGroup();
        Assert.Equal(["b"], group.Members.Select(m => m.MemberId));
        Assert.Equal(3, group.GroupEpoch);
    }

    [Fact]
    public void A_member_whose_session_times_out_is_removed_and_its_partitions_go_to_the_others()
    {
        _kit.Join("a");
        var b = _kit.Join("b");
        var a = _kit.Beat("a", 1, owned: _topic.Partitions(0, 1, 2, 3));
        _kit.Beat("a", a.MemberEpoch, owned: a.Assignment);

        _kit.Clock.Advance(TimeSpan.FromSeconds(6));
        _kit.Beat("a", 2, owned: a.Assignment);
        _kit.Clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(["a"], _kit.DescribeConsumerGroup().Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Beat("b", b.MemberEpoch).Error);
        var survivor = _kit.Beat("a", 2, owned: a.Assignment);
        Assert.Equal([0, 1, 2, 3], survivor.Assignment.Indexes());
    }

    [Fact]
    public void The_group_refuses_members_beyond_its_maximum_size()
    {
        _kit.Join("a");
        _kit.Join("b");
        _kit.Join("c");

        Assert.Equal(ErrorCode.GroupMaxSizeReached, _kit.Join("d").Error);
        Assert.Equal(ErrorCode.None, _kit.Beat("c", _kit.MemberOf("c").MemberEpoch).Error);
    }

    [Fact]
    public void A_member_whose_join_response_was_lost_may_join_again_and_keeps_its_place()
    {
        _kit.Join("a");
        _kit.Join("b");

        var again = _kit.Join("a");

        // It owns nothing (a join reports no partitions), so it moves straight to the current epoch with its share.
        Assert.Equal((ErrorCode.None, 2), (again.Error, again.MemberEpoch));
        Assert.Equal(2, again.Assignment!.Count);
        Assert.Equal(2, _kit.DescribeConsumerGroup().GroupEpoch);
    }

    [Fact]
    public void A_member_that_rejoins_with_epoch_zero_after_moving_on_starts_afresh_at_a_new_group_epoch()
    {
        _kit.Join("a");
        _kit.Join("b");
        _kit.Beat("a", 1, owned: new HashSet<TopicIdPartition>());
        Assert.Equal(2, _kit.MemberOf("a").MemberEpoch);

        var rejoined = _kit.Join("a");

        Assert.Equal(ErrorCode.None, rejoined.Error);
        var groupEpoch = _kit.DescribeConsumerGroup().GroupEpoch;
        Assert.True(groupEpoch > 2);
        Assert.Equal(groupEpoch, rejoined.MemberEpoch);
    }

    private static readonly HashSet<TopicIdPartition> NoPartitions = [];
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, (ConsumerGroupHeartbeatCommand Heartbeat, ErrorCode Error)> Invalid = new()
    {
        ["empty group id"] = (new() { GroupId = "", MemberId = "a", MemberEpoch = 0 }, ErrorCode.InvalidRequest),
        ["empty member id (v1)"] = (new() { GroupId = GroupId, MemberId = "", MemberEpoch = 0, RebalanceTimeout = Second, SubscribedTopicNames = ["t"], OwnedPartitions = NoPartitions }, ErrorCode.InvalidRequest),
        ["join without rebalance timeout"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, SubscribedTopicNames = ["t"], OwnedPartitions = NoPartitions }, ErrorCode.InvalidRequest),
        ["join without subscription"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, RebalanceTimeout = Second, OwnedPartitions = NoPartitions }, ErrorCode.InvalidRequest),
        ["join without owned partitions"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, RebalanceTimeout = Second, SubscribedTopicNames = ["t"] }, ErrorCode.InvalidRequest),
        ["static leave without instance id"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = -2 }, ErrorCode.InvalidRequest),
        ["epoch -3"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = -3 }, ErrorCode.InvalidRequest),
        ["empty instance id"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 1, InstanceId = "" }, ErrorCode.InvalidRequest),
        ["unknown assignor"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, RebalanceTimeout = Second, SubscribedTopicNames = ["t"], OwnedPartitions = NoPartitions, ServerAssignor = "sticky" }, ErrorCode.UnsupportedAssignor),
        ["unbalanced regex"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, RebalanceTimeout = Second, SubscribedTopicRegex = "orders-(", OwnedPartitions = NoPartitions }, ErrorCode.InvalidRegularExpression),
        ["backreference, not RE2"] = (new() { GroupId = GroupId, MemberId = "a", MemberEpoch = 0, RebalanceTimeout = Second, SubscribedTopicRegex = @"(a)\1", OwnedPartitions = NoPartitions }, ErrorCode.InvalidRegularExpression),
    };

    public static TheoryData<string> InvalidHeartbeats() => new(Invalid.Keys);

    [Theory]
    [MemberData(nameof(InvalidHeartbeats))]
    public void Invalid_heartbeats_get_kafkas_error_with_a_message_and_change_nothing(string invalid)
    {
        var (heartbeat, expected) = Invalid[invalid];

        var result = _kit.Coordinator.ConsumerGroupHeartbeat(heartbeat);

        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrEmpty(result.ErrorMessage));
        Assert.Empty(_kit.Coordinator.ListGroups());
    }

    [Fact]
    public void A_regular_expression_subscription_picks_up_matching_topics_created_later_but_never_internal_ones()
    {
        _kit.AddTopic("orders-eu", 1);
        _kit.AddTopic("__consumer_offsets", 2);
        var joined = _kit.Join("a", regex: "orders-.*|__.*");
        Assert.Single(joined.Assignment!);

        var us = _kit.AddTopic("orders-us", 2);
        var beat = _kit.Beat("a", joined.MemberEpoch);

        Assert.Equal(2, beat.MemberEpoch);
        Assert.Equal(3, beat.Assignment!.Count);
        Assert.Equal(2, beat.Assignment.Count(p => p.TopicId == us.Id));
        Assert.Equal("orders-.*|__.*", _kit.MemberOf("a").SubscribedTopicRegex);
    }

    [Fact]
    public void A_regular_expression_must_match_the_whole_topic_name()
    {
        _kit.AddTopic("my-orders", 1);

        var joined = _kit.Join("a", regex: "orders");

        Assert.Empty(joined.Assignment!);
    }

    [Fact]
    public void More_partitions_on_a_subscribed_topic_bump_the_group_epoch_and_are_assigned()
    {
        var joined = _kit.Join("a");
        _kit.AddTopic("topic", 6);

        var beat = _kit.Beat("a", joined.MemberEpoch);

        Assert.Equal(2, beat.MemberEpoch);
        Assert.Equal(6, beat.Assignment!.Count);
    }
}
