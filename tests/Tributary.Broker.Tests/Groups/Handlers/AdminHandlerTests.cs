using Tributary.Broker.Groups;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups.Handlers;

public sealed class AdminHandlerTests : IDisposable
{
    private readonly GroupHandlerHarness _harness = new();

    public static TheoryData<short> Versions(int max) => new(Enumerable.Range(0, max + 1).Select(v => (short)v));

    [Theory]
    [MemberData(nameof(Versions), 5)]
    public async Task DescribeGroups_shows_a_stable_group_and_an_unknown_one_as_dead(short version)
    {
        var members = await _harness.Kit.StableGroupAsync(1);

        var response = await _harness.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = [GroupId, "unknown"] }, version);

        var stable = response.Groups[0];
        Assert.Equal(("Stable", "consumer", "range"), (stable.GroupState, stable.ProtocolType, stable.ProtocolData));
        var member = Assert.Single(stable.Members);
        Assert.Equal(members[0].MemberId, member.MemberId);
        Assert.Equal(Subscription("topic"), member.MemberMetadata);
        Assert.Equal(AssignmentOf(member.MemberId), member.MemberAssignment);
        Assert.Equal(("unknown", "Dead"), (response.Groups[1].GroupId, response.Groups[1].GroupState));
    }

    [Theory]
    [MemberData(nameof(Versions), 5)]
    public async Task ListGroups_lists_groups_with_state_from_v4_and_type_from_v5(short version)
    {
        await _harness.Kit.StableGroupAsync(1);
        _harness.Kit.Coordinator.CommitOffsets(new OffsetCommitCommand { GroupId = "offsets-only", Offsets = [new PartitionOffsetCommit(new OffsetKey("t", 0), 1)] });

        var all = await _harness.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), version);

        Assert.Equal([(GroupId, "consumer"), ("offsets-only", "")], all.Groups.Select(g => (g.GroupId, g.ProtocolType)));
        if (version >= 4)
        {
            Assert.Equal(["Stable", "Empty"], all.Groups.Select(g => g.GroupState));
            var empty = await _harness.SendAsync<ListGroupsResponse>(new ListGroupsRequest { StatesFilter = ["Empty"] }, version);
            Assert.Equal(["offsets-only"], empty.Groups.Select(g => g.GroupId));
        }
        if (version >= 5)
            Assert.All(all.Groups, g => Assert.Equal("classic", g.GroupType));
    }

    [Theory]
    [MemberData(nameof(Versions), 2)]
    public async Task DeleteGroups_deletes_empty_groups_and_refuses_others(short version)
    {
        await _harness.Kit.StableGroupAsync(1);
        _harness.Kit.Coordinator.CommitOffsets(new OffsetCommitCommand { GroupId = "offsets-only", Offsets = [new PartitionOffsetCommit(new OffsetKey("t", 0), 1)] });

        var response = await _harness.SendAsync<DeleteGroupsResponse>(new DeleteGroupsRequest { GroupsNames = [GroupId, "offsets-only", "unknown"] }, version);

        Assert.Equal(
            [ErrorCode.NonEmptyGroup, ErrorCode.None, ErrorCode.GroupIdNotFound],
            response.Results.Select(r => (ErrorCode)r.ErrorCode));
    }

    public void Dispose() => _harness.Dispose();
}
