using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class GroupAdminTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    [Fact]
    public async Task Stable_group_is_described_with_members_metadata_and_assignments()
    {
        var members = await _kit.StableGroupAsync(2);

        var description = _kit.Describe();

        Assert.Equal(ErrorCode.None, description.Error);
        Assert.Equal("Stable", description.State);
        Assert.Equal("consumer", description.ProtocolType);
        Assert.Equal("range", description.ProtocolName);
        Assert.Equal(members.Select(m => m.MemberId), description.Members.Select(m => m.MemberId));
        Assert.All(description.Members, m =>
        {
            Assert.Equal("client", m.ClientId);
            Assert.Equal("/127.0.0.1", m.ClientHost);
            Assert.Equal(Subscription("topic"), m.Metadata);
            Assert.Equal(AssignmentOf(m.MemberId), m.Assignment);
        });
    }

    [Fact]
    public async Task Rebalancing_group_is_described_without_metadata_and_unknown_groups_as_dead()
    {
        await _kit.StableGroupAsync(1);
        _ = _kit.JoinAsync();

        var descriptions = _kit.Coordinator.DescribeGroups([GroupId, "unknown"]);

        Assert.Equal("PreparingRebalance", descriptions[0].State);
        Assert.Equal("", descriptions[0].ProtocolName);
        Assert.All(descriptions[0].Members, m => Assert.Empty(m.Metadata));
        Assert.Equal(new GroupDescription("unknown", ErrorCode.None, "Dead", "", "", []), descriptions[1] with { Members = [] });
        Assert.Empty(descriptions[1].Members);
    }

    [Fact]
    public async Task ListGroups_filters_by_state_and_type()
    {
        await _kit.StableGroupAsync(1);
        _kit.Coordinator.CommitOffsets(new OffsetCommitCommand { GroupId = "offsets-only", Offsets = [new PartitionOffsetCommit(new OffsetKey("t", 0), 1)] });

        var all = _kit.Coordinator.ListGroups();
        var stable = _kit.Coordinator.ListGroups(states: ["stable"]);
        var classic = _kit.Coordinator.ListGroups(types: ["Classic"]);
        var consumerType = _kit.Coordinator.ListGroups(types: ["consumer"]);

        Assert.Equal([new GroupListing(GroupId, "consumer", "Stable", "classic"), new GroupListing("offsets-only", "", "Empty", "classic")], all);
        Assert.Equal([GroupId], stable.Select(g => g.GroupId));
        Assert.Equal(2, classic.Count);
        Assert.Empty(consumerType);
    }

    [Fact]
    public async Task DeleteGroups_removes_only_empty_groups_with_their_offsets()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId, GenerationId = member.GenerationId, MemberId = member.MemberId,
            Offsets = [new PartitionOffsetCommit(new OffsetKey("topic", 0), 8)],
        });

        Assert.Equal([(GroupId, ErrorCode.NonEmptyGroup), ("unknown", ErrorCode.GroupIdNotFound)], _kit.Coordinator.DeleteGroups([GroupId, "unknown"]));

        _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(member.MemberId)]);
        Assert.Equal([(GroupId, ErrorCode.None)], _kit.Coordinator.DeleteGroups([GroupId]));
        Assert.Empty(_kit.Coordinator.ListGroups());
        Assert.Equal(-1, _kit.Coordinator.FetchOffsets(GroupId, [new OffsetKey("topic", 0)], false).Single().Offset);
        Assert.Equal("Dead", _kit.Describe().State);
    }

    [Fact]
    public async Task Disposing_the_coordinator_answers_waiting_requests()
    {
        await _kit.StableGroupAsync(1);
        var waiting = _kit.JoinAsync();

        _kit.Coordinator.Dispose();

        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (await WithinPatience(waiting)).Error);
    }

    public void Dispose() => _kit.Dispose();
}
