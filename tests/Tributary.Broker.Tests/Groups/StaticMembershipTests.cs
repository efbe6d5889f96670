using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class StaticMembershipTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    private Task<IReadOnlyList<JoinGroupResult>> StaticGroupAsync() => _kit.StableGroupAsync(2, index => $"instance-{index}");

    [Fact]
    public async Task Static_member_rejoining_with_unchanged_protocols_gets_a_new_id_without_a_rebalance()
    {
        var members = await StaticGroupAsync();
        var follower = members[1];

        var rejoined = await WithinPatience(_kit.JoinAsync(JoinCommand(instanceId: "instance-1", requireKnownMemberId: true)));

        Assert.Equal(ErrorCode.None, rejoined.Error);
        Assert.StartsWith("instance-1-", rejoined.MemberId);
        Assert.NotEqual(follower.MemberId, rejoined.MemberId);
        Assert.Equal(follower.GenerationId, rejoined.GenerationId);
        Assert.Equal("Stable", _kit.Describe().State);
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(members[0]));
        var sync = await WithinPatience(_kit.SyncAsync(rejoined));
        Assert.Equal(AssignmentOf(follower.MemberId), sync.Assignment);
    }

    [Fact]
    public async Task Old_member_id_of_a_replaced_static_member_is_fenced()
    {
        var members = await StaticGroupAsync();
        await WithinPatience(_kit.JoinAsync(instanceId: "instance-1"));

        Assert.Equal(ErrorCode.FencedInstanceId, _kit.Heartbeat(members[1], "instance-1"));
        var join = await WithinPatience(_kit.JoinAsync(members[1].MemberId, "instance-1"));
        Assert.Equal(ErrorCode.FencedInstanceId, join.Error);
        var commit = _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId, GenerationId = members[1].GenerationId, MemberId = members[1].MemberId, GroupInstanceId = "instance-1",
            Offsets = [new PartitionOffsetCommit(new OffsetKey("topic", 0), 5)],
        });
        Assert.Equal([ErrorCode.FencedInstanceId], commit);
    }

    [Fact]
    public async Task Static_member_rejoining_with_changed_metadata_but_the_same_protocol_keeps_the_generation()
    {
        var members = await StaticGroupAsync();

        // A restarted client's metadata differs (here the subscription); as in Kafka only the protocol choice matters.
        var rejoined = await WithinPatience(_kit.JoinAsync(instanceId: "instance-1", protocols: Range("topic", "other-topic")));

        Assert.Equal(members[1].GenerationId, rejoined.GenerationId);
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(members[0]));
    }

    [Fact]
    public async Task Static_member_rejoining_with_protocols_that_change_the_groups_choice_rebalances()
    {
        var member = (await _kit.StableGroupAsync(1, _ => "instance-0"))[0];

        var rejoined = await WithinPatience(_kit.JoinAsync(instanceId: "instance-0", protocols: [new GroupProtocol("roundrobin", Subscription("topic"))]));

        Assert.Equal(member.GenerationId + 1, rejoined.GenerationId);
        Assert.Equal("roundrobin", rejoined.ProtocolName);
    }

    [Fact]
    public async Task Returning_static_leader_is_told_to_skip_the_assignment_from_v9()
    {
        var leader = (await StaticGroupAsync())[0];

        var rejoined = await WithinPatience(_kit.JoinAsync(JoinCommand(instanceId: "instance-0", supportsSkipAssignment: true)));

        Assert.True(rejoined.SkipAssignment);
        Assert.Equal(rejoined.MemberId, rejoined.LeaderId);
        Assert.Equal(2, rejoined.Members.Count);
        Assert.Equal("Stable", _kit.Describe().State);
        Assert.NotEqual(leader.MemberId, rejoined.MemberId);
    }

    [Fact]
    public async Task Returning_static_leader_before_v9_sees_its_old_id_as_leader_so_it_does_not_assign()
    {
        var leader = (await StaticGroupAsync())[0];

        var rejoined = await WithinPatience(_kit.JoinAsync(instanceId: "instance-0"));

        Assert.False(rejoined.SkipAssignment);
        Assert.Equal(leader.MemberId, rejoined.LeaderId);
        Assert.Empty(rejoined.Members);
        // The group still knows the member under its new id as leader.
        var sync = await WithinPatience(_kit.SyncAsync(rejoined));
        Assert.Equal(AssignmentOf(leader.MemberId), sync.Assignment);
    }

    [Fact]
    public async Task Static_member_replaced_while_waiting_in_a_join_gets_FENCED_INSTANCE_ID()
    {
        var members = await StaticGroupAsync();
        var oldJoin = _kit.JoinAsync(members[1].MemberId, "instance-1", Range("topic", "other-topic"));

        var newJoin = _kit.JoinAsync(instanceId: "instance-1", protocols: Range("topic", "other-topic"));

        Assert.Equal(ErrorCode.FencedInstanceId, (await WithinPatience(oldJoin)).Error);
        var leaderRejoin = _kit.JoinAsync(members[0].MemberId, "instance-0");
        var results = await WithinPatience(Task.WhenAll(leaderRejoin, newJoin));
        Assert.All(results, r => Assert.Equal(ErrorCode.None, r.Error));
        Assert.Equal(2, results[0].Members.Count);
    }

    public void Dispose() => _kit.Dispose();
}
