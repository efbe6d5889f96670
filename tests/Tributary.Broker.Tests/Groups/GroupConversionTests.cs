using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

/// <summary>Groups changing type: empty groups, the online upgrade of a classic group and the downgrade back.</summary>
public sealed class GroupConversionTests : IDisposable
{
    private static readonly OffsetKey Key = new("topic", 0);
    private readonly GroupTestKit _kit = new();

    public GroupConversionTests() => _kit.AddTopic("topic", 4);

    public void Dispose() => _kit.Dispose();

    private string TypeOfGroup() => _kit.Coordinator.ListGroups().Single().GroupType;

    private void CommitOutsideGroupManagement() =>
        Assert.Equal(ErrorCode.None, _kit.Coordinator.CommitOffsets(new OffsetCommitCommand { GroupId = GroupId, Offsets = [new PartitionOffsetCommit(Key, 5)] }).Single());

    /// <summary>Two classic members in a stable generation, each owning two partitions (consumer protocol assignments).</summary>
    private async Task<IReadOnlyList<JoinGroupResult>> StableClassicGroupAsync()
    {
        var first = await WithinPatience(_kit.JoinAsync());
        // The newcomer starts the next rebalance, which the first member then rejoins.
        var second = _kit.JoinAsync();
        var rejoin = _kit.JoinAsync(first.MemberId);
        var members = await WithinPatience(Task.WhenAll(rejoin, second));
        var leader = members.Single(m => m.MemberId == m.LeaderId);
        var follower = members.Single(m => m != leader);
        var assignments = new Dictionary<string, byte[]>
        {
            [leader.MemberId] = ConsumerProtocolAssignment.Write(0, [("topic", 0), ("topic", 1)]),
            [follower.MemberId] = ConsumerProtocolAssignment.Write(0, [("topic", 2), ("topic", 3)]),
        };
        var followerSync = _kit.SyncAsync(follower);
        await WithinPatience(_kit.SyncAsync(leader, assignments));
        await WithinPatience(followerSync);
        return [leader, follower];
    }

    [Fact]
    public void An_empty_classic_group_becomes_a_consumer_group_when_a_consumer_protocol_member_joins_and_keeps_its_offsets()
    {
        CommitOutsideGroupManagement();
        Assert.Equal("classic", TypeOfGroup());

        Assert.Equal(ErrorCode.None, _kit.Join("a").Error);

        Assert.Equal("consumer", TypeOfGroup());
        Assert.Equal(5, _kit.Coordinator.FetchOffsets(GroupId, [Key], requireStable: false).Single().Offset);
    }

    [Fact]
    public async Task An_empty_consumer_group_becomes_a_classic_group_when_a_classic_member_joins_and_keeps_its_offsets()
    {
        _kit.Join("a");
        _kit.LeaveConsumerGroup("a");
        CommitOutsideGroupManagement();

        var joined = await WithinPatience(_kit.JoinAsync());

        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.Equal("classic", TypeOfGroup());
        Assert.Equal(5, _kit.Coordinator.FetchOffsets(GroupId, [Key], requireStable: false).Single().Offset);
    }

    [Fact]
    public async Task A_classic_group_of_another_protocol_type_is_not_a_consumer_group()
    {
        await WithinPatience(_kit.JoinAsync(JoinCommand() with { ProtocolType = "connect" }));

        var refused = _kit.Join("a");

        Assert.Equal(ErrorCode.GroupIdNotFound, refused.Error);
        Assert.Equal($"Group {GroupId} is not a consumer group.", refused.ErrorMessage);
    }

    [Fact]
    public async Task A_consumer_protocol_member_upgrades_a_classic_group_online_and_the_classic_members_keep_their_partitions_until_they_rejoin()
    {
        var classic = await StableClassicGroupAsync();
        var generation = classic[0].GenerationId;

        var joined = _kit.Join("new");

        Assert.Equal("consumer", TypeOfGroup());
        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.Empty(joined.Assignment!);
        var group = _kit.DescribeConsumerGroup();
        Assert.Equal(generation + 1, group.GroupEpoch);
        Assert.All(classic, m => Assert.Equal(generation, _kit.MemberOf(m.MemberId).MemberEpoch));
        Assert.All(classic, m => Assert.Equal(2, _kit.MemberOf(m.MemberId).Assignment.Single().Partitions.Count));

        // The classic members are told to rejoin; with nothing owned any more (eager) they get their share at once.
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(classic[0]));
        var rejoined = await WithinPatience(_kit.JoinAsync(classic[0].MemberId));
        Assert.Equal(ErrorCode.None, rejoined.Error);
        Assert.Equal(group.GroupEpoch, rejoined.GenerationId);
        Assert.Equal("", rejoined.LeaderId);
        var synced = await WithinPatience(_kit.SyncAsync(rejoined));
        Assert.Equal(ErrorCode.None, synced.Error);
        var partitions = ConsumerProtocolAssignment.TryRead(synced.Assignment);
        Assert.NotNull(partitions);
        Assert.InRange(partitions.Count, 1, 2);
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(rejoined));
    }

    [Fact]
    public async Task The_group_goes_back_to_classic_and_rebalances_when_its_last_consumer_protocol_member_leaves()
    {
        var classic = await StableClassicGroupAsync();
        _kit.Join("new");
        Assert.Equal("consumer", TypeOfGroup());

        _kit.LeaveConsumerGroup("new");

        Assert.Equal("classic", TypeOfGroup());
        Assert.Equal(nameof(GroupState.PreparingRebalance), _kit.Describe().State);
        var generation = _kit.DescribeConsumerGroup();
        Assert.Equal(ErrorCode.GroupIdNotFound, generation.Error);
        Assert.Equal($"Group {GroupId} is not a consumer group.", generation.ErrorMessage);
        var rejoins = classic.Select(m => _kit.JoinAsync(m.MemberId)).ToList();
        var results = await WithinPatience(Task.WhenAll(rejoins));
        Assert.All(results, r => Assert.Equal(ErrorCode.None, r.Error));
        Assert.Single(results.Select(r => r.LeaderId).Distinct());
    }

    [Fact]
    public void Describe_groups_describes_a_consumer_group_as_dead_without_an_error_and_list_groups_gives_its_type_and_state()
    {
        _kit.Join("a");

        var described = _kit.Describe();
        var listed = _kit.Coordinator.ListGroups(types: ["Consumer"]).Single();

        Assert.Equal((ErrorCode.None, "Dead", ""), (described.Error, described.State, described.ProtocolType));
        Assert.Empty(described.Members);
        Assert.Equal(("consumer", "Stable", "consumer"), (listed.GroupType, listed.State, listed.ProtocolType));
        Assert.Empty(_kit.Coordinator.ListGroups(types: ["classic"]));
    }
}
