using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class LeaveGroupTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    [Fact]
    public async Task Leaving_member_triggers_a_rebalance_of_the_others()
    {
        var members = await _kit.StableGroupAsync(2);

        var result = _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(members[0].MemberId)]);

        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(ErrorCode.None, Assert.Single(result.Members).Error);
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(members[1]));
        var rejoined = await WithinPatience(_kit.JoinAsync(members[1].MemberId));
        Assert.Equal(members[1].MemberId, rejoined.LeaderId);
        Assert.Equal([members[1].MemberId], rejoined.Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task Last_member_leaving_empties_the_group()
    {
        var member = (await _kit.StableGroupAsync(1))[0];

        _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(member.MemberId)]);

        Assert.Equal("Empty", _kit.Describe().State);
    }

    [Fact]
    public async Task Leave_completes_a_rebalance_that_only_waited_for_the_leaver()
    {
        var members = await _kit.StableGroupAsync(2);
        // A changed subscription makes the follower's rejoin start a rebalance that waits for the leader.
        var rejoin = _kit.JoinAsync(members[1].MemberId, protocols: Range("topic", "another-topic"));
        Assert.False(rejoin.IsCompleted);

        _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(members[0].MemberId)]);

        var result = await WithinPatience(rejoin);
        Assert.Equal(members[1].MemberId, result.LeaderId);
        Assert.Single(result.Members);
    }

    [Fact]
    public async Task Batched_leave_names_members_by_id_or_instance_id_with_an_answer_for_each()
    {
        var members = await _kit.StableGroupAsync(3, index => index == 0 ? null : $"instance-{index}");

        var result = _kit.Coordinator.LeaveGroup(GroupId,
        [
            new LeavingMember("", "instance-1"),
            new LeavingMember("client-wrong-id", "instance-2"),
            new LeavingMember("", "instance-unknown"),
            new LeavingMember("client-unknown"),
            new LeavingMember(members[0].MemberId),
        ]);

        Assert.Equal(
            [ErrorCode.None, ErrorCode.FencedInstanceId, ErrorCode.UnknownMemberId, ErrorCode.UnknownMemberId, ErrorCode.None],
            result.Members.Select(m => m.Error));
        Assert.Equal([members[2].MemberId], _kit.Describe().Members.Select(m => m.MemberId));
    }

    [Fact]
    public void Leave_from_an_unknown_group_answers_UNKNOWN_MEMBER_ID_per_member()
    {
        var result = _kit.Coordinator.LeaveGroup("nobody", [new LeavingMember("client-1")]);

        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Assert.Single(result.Members).Error);
    }

    public void Dispose() => _kit.Dispose();
}
