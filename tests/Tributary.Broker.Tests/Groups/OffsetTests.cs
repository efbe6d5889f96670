using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class OffsetTests : IDisposable
{
    private static readonly OffsetKey Partition0 = new("topic", 0);
    private static readonly OffsetKey Partition1 = new("topic", 1);
    private readonly GroupTestKit _kit = new();

    private IReadOnlyList<ErrorCode> Commit(JoinGroupResult? member, params PartitionOffsetCommit[] offsets) =>
        _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId,
            GenerationId = member?.GenerationId ?? -1,
            MemberId = member?.MemberId ?? "",
            Offsets = offsets,
        });

    private FetchedOffset FetchOne(OffsetKey key, string groupId = GroupId) =>
        _kit.Coordinator.FetchOffsets(groupId, [key], requireStable: false).Single();

    [Fact]
    public async Task Member_of_the_current_generation_commits_and_the_offsets_are_fetched_back()
    {
        var member = (await _kit.StableGroupAsync(1))[0];

        var errors = Commit(member, new PartitionOffsetCommit(Partition0, 42, LeaderEpoch: 3, Metadata: "checkpoint"), new PartitionOffsetCommit(Partition1, 7));

        Assert.Equal([ErrorCode.None, ErrorCode.None], errors);
        Assert.Equal(new FetchedOffset(Partition0, 42, 3, "checkpoint", ErrorCode.None), FetchOne(Partition0));
        Assert.Equal(new FetchedOffset(Partition1, 7, -1, "", ErrorCode.None), FetchOne(Partition1));
    }

    [Fact]
    public async Task Commit_is_refused_for_old_generations_unknown_members_and_during_the_sync_phase()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        var offset = new PartitionOffsetCommit(Partition0, 1);

        Assert.Equal([ErrorCode.IllegalGeneration], Commit(member with { GenerationId = 0 }, offset));
        Assert.Equal([ErrorCode.UnknownMemberId], Commit(member with { MemberId = "client-unknown" }, offset));
        Assert.Equal([ErrorCode.UnknownMemberId], Commit(null, offset));

        var rejoined = await WithinPatience(_kit.JoinAsync(member.MemberId));
        Assert.Equal("CompletingRebalance", _kit.Describe().State);
        Assert.Equal([ErrorCode.RebalanceInProgress], Commit(rejoined, offset));
        Assert.Equal(-1, FetchOne(Partition0).Offset);
    }

    [Fact]
    public async Task Commit_during_a_rebalance_from_the_previous_generation_is_accepted()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        _ = _kit.JoinAsync();

        Assert.Equal([ErrorCode.None], Commit(member, new PartitionOffsetCommit(Partition0, 9)));
        Assert.Equal(9, FetchOne(Partition0).Offset);
    }

    [Fact]
    public void Commit_outside_group_management_creates_an_empty_group()
    {
        Assert.Equal([ErrorCode.None], Commit(null, new PartitionOffsetCommit(Partition0, 5)));

        Assert.Equal(5, FetchOne(Partition0).Offset);
        var listing = Assert.Single(_kit.Coordinator.ListGroups());
        Assert.Equal(new GroupListing(GroupId, "", "Empty", "classic"), listing);
    }

    [Fact]
    public void Commit_with_a_generation_to_an_unknown_group_is_an_illegal_generation()
    {
        var errors = _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = "unknown", GenerationId = 3, MemberId = "client-1", Offsets = [new PartitionOffsetCommit(Partition0, 1)],
        });

        Assert.Equal([ErrorCode.IllegalGeneration], errors);
        Assert.Empty(_kit.Coordinator.ListGroups());
    }

    [Fact]
    public void Oversized_metadata_fails_only_its_own_partition()
    {
        var errors = Commit(null,
            new PartitionOffsetCommit(Partition0, 1, Metadata: new string('x', 4097)),
            new PartitionOffsetCommit(Partition1, 2, Metadata: new string('x', 4096)));

        Assert.Equal([ErrorCode.OffsetMetadataTooLarge, ErrorCode.None], errors);
        Assert.Equal(-1, FetchOne(Partition0).Offset);
        Assert.Equal(2, FetchOne(Partition1).Offset);
    }

    [Fact]
    public void Fetch_of_all_partitions_returns_every_committed_offset_and_unknown_ones_get_minus_one()
    {
        Commit(null, new PartitionOffsetCommit(Partition1, 2), new PartitionOffsetCommit(new OffsetKey("another", 0), 3), new PartitionOffsetCommit(Partition0, 1));

        var all = _kit.Coordinator.FetchOffsets(GroupId, partitions: null, requireStable: true);

        Assert.Equal([new OffsetKey("another", 0), Partition0, Partition1], all.Select(o => o.Key));
        Assert.Equal([3L, 1L, 2L], all.Select(o => o.Offset));
        Assert.All(all, o => Assert.Equal(ErrorCode.None, o.Error));
        Assert.Equal(new FetchedOffset(new OffsetKey("topic", 9), -1, -1, "", ErrorCode.None), FetchOne(new OffsetKey("topic", 9)));
        Assert.Equal(-1, FetchOne(Partition0, groupId: "unknown").Offset);
        Assert.Empty(_kit.Coordinator.FetchOffsets("unknown", partitions: null, requireStable: false));
    }

    [Fact]
    public async Task Offsets_outlive_the_members_so_a_new_member_resumes_from_them()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        Commit(member, new PartitionOffsetCommit(Partition0, 100));
        _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(member.MemberId)]);

        var newcomer = await WithinPatience(_kit.JoinAsync());

        Assert.Equal(member.GenerationId + 2, newcomer.GenerationId);
        Assert.Equal(100, FetchOne(Partition0).Offset);
    }

    [Fact]
    public async Task OffsetDelete_keeps_offsets_of_subscribed_topics_while_the_group_has_members()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        var unsubscribed = new OffsetKey("old-topic", 0);
        Commit(member, new PartitionOffsetCommit(Partition0, 1), new PartitionOffsetCommit(unsubscribed, 2));

        var result = _kit.Coordinator.DeleteOffsets(GroupId, [Partition0, unsubscribed]);

        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal([ErrorCode.GroupSubscribedToTopic, ErrorCode.None], result.Partitions);
        Assert.Equal(1, FetchOne(Partition0).Offset);
        Assert.Equal(-1, FetchOne(unsubscribed).Offset);
    }

    [Fact]
    public void OffsetDelete_of_an_empty_group_deletes_and_of_an_unknown_group_is_refused()
    {
        Commit(null, new PartitionOffsetCommit(Partition0, 1));

        Assert.Equal([ErrorCode.None], _kit.Coordinator.DeleteOffsets(GroupId, [Partition0]).Partitions);
        Assert.Equal(-1, FetchOne(Partition0).Offset);
        Assert.Equal(ErrorCode.GroupIdNotFound, _kit.Coordinator.DeleteOffsets("unknown", [Partition0]).Error);
    }

    public void Dispose() => _kit.Dispose();
}
