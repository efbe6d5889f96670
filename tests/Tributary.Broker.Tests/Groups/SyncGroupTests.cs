using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class SyncGroupTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    private async Task<(JoinGroupResult Leader, JoinGroupResult Follower)> JoinTwoAsync()
    {
        var first = await WithinPatience(_kit.JoinAsync());
        var second = _kit.JoinAsync();
        var rejoin = _kit.JoinAsync(first.MemberId);
        var both = await WithinPatience(Task.WhenAll(rejoin, second));
        return (both[0], both[1]);
    }

    [Fact]
    public async Task Follower_waits_for_the_leader_and_each_member_gets_its_own_assignment()
    {
        var (leader, follower) = await JoinTwoAsync();

        var followerSync = _kit.SyncAsync(follower);
        Assert.False(followerSync.IsCompleted);
        var leaderSync = await WithinPatience(_kit.SyncAsync(leader, new Dictionary<string, byte[]>
        {
            [leader.MemberId] = [1],
            [follower.MemberId] = [2],
        }));
        var followerResult = await WithinPatience(followerSync);

        Assert.Equal(ErrorCode.None, leaderSync.Error);
        Assert.Equal([1], leaderSync.Assignment);
        Assert.Equal([2], followerResult.Assignment);
        Assert.Equal("range", followerResult.ProtocolName);
        Assert.Equal("consumer", followerResult.ProtocolType);
        Assert.Equal("Stable", _kit.Describe().State);
    }

    [Fact]
    public async Task Follower_that_waited_longer_than_its_session_for_the_leader_is_still_a_member()
    {
        var (leader, follower) = await JoinTwoAsync();
        var followerSync = _kit.SyncAsync(follower);

        for (var elapsed = TimeSpan.Zero; elapsed < SessionTimeout * 2; elapsed += TimeSpan.FromSeconds(3))
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(ErrorCode.None, _kit.Heartbeat(leader));
        }
        await WithinPatience(_kit.SyncAsync(leader, new Dictionary<string, byte[]> { [follower.MemberId] = [2] }));

        Assert.Equal([2], (await WithinPatience(followerSync)).Assignment);
        _kit.Clock.Advance(SessionTimeout / 2);
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(follower));
    }

    [Fact]
    public async Task Follower_whose_wait_for_the_leader_was_ended_by_a_rebalance_gets_a_fresh_session()
    {
        var (leader, follower) = await JoinTwoAsync();
        var followerSync = _kit.SyncAsync(follower);
        for (var elapsed = TimeSpan.Zero; elapsed < SessionTimeout * 2; elapsed += TimeSpan.FromSeconds(3))
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(3));
            _kit.Heartbeat(leader);
        }

        _ = _kit.JoinAsync();

        Assert.Equal(ErrorCode.RebalanceInProgress, (await WithinPatience(followerSync)).Error);
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(follower));
    }

    [Fact]
    public async Task Member_left_out_of_the_leaders_assignment_gets_an_empty_one()
    {
        var (leader, follower) = await JoinTwoAsync();

        await WithinPatience(_kit.SyncAsync(leader, new Dictionary<string, byte[]> { [leader.MemberId] = [1] }));
        var followerResult = await WithinPatience(_kit.SyncAsync(follower));

        Assert.Equal(ErrorCode.None, followerResult.Error);
        Assert.Empty(followerResult.Assignment);
    }

    [Fact]
    public async Task Sync_is_refused_for_unknown_members_old_generations_and_other_protocols()
    {
        var (leader, _) = await JoinTwoAsync();

        var unknown = await _kit.SyncAsync(leader with { MemberId = "client-unknown" });
        var oldGeneration = await _kit.SyncAsync(leader with { GenerationId = 1 });
        var otherProtocol = await _kit.Coordinator.SyncGroupAsync(new SyncGroupCommand
        {
            GroupId = GroupId, GenerationId = leader.GenerationId, MemberId = leader.MemberId, ProtocolName = "roundrobin",
        }, CancellationToken.None);
        var unknownGroup = await _kit.Coordinator.SyncGroupAsync(new SyncGroupCommand
        {
            GroupId = "other", GenerationId = 1, MemberId = leader.MemberId,
        }, CancellationToken.None);

        Assert.Equal(ErrorCode.UnknownMemberId, unknown.Error);
        Assert.Equal(ErrorCode.IllegalGeneration, oldGeneration.Error);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, otherProtocol.Error);
        Assert.Equal(ErrorCode.UnknownMemberId, unknownGroup.Error);
    }

    [Fact]
    public async Task Sync_during_a_rebalance_gets_REBALANCE_IN_PROGRESS()
    {
        var members = await _kit.StableGroupAsync(1);
        _ = _kit.JoinAsync();

        var sync = await WithinPatience(_kit.SyncAsync(members[0]));

        Assert.Equal(ErrorCode.RebalanceInProgress, sync.Error);
    }

    [Fact]
    public async Task Waiting_follower_is_told_to_rejoin_when_a_new_member_arrives_before_the_leader_syncs()
    {
        var (_, follower) = await JoinTwoAsync();
        var followerSync = _kit.SyncAsync(follower);

        _ = _kit.JoinAsync();

        Assert.Equal(ErrorCode.RebalanceInProgress, (await WithinPatience(followerSync)).Error);
    }

    [Fact]
    public async Task Member_that_never_syncs_is_removed_after_the_rebalance_timeout()
    {
        var (leader, follower) = await JoinTwoAsync();
        await WithinPatience(_kit.SyncAsync(leader, new Dictionary<string, byte[]>()));

        // The follower heartbeats but never syncs: it cannot have an assignment, so it is dropped.
        for (var elapsed = TimeSpan.Zero; elapsed <= RebalanceTimeout; elapsed += TimeSpan.FromSeconds(3))
        {
            _kit.Heartbeat(leader);
            _kit.Heartbeat(follower);
            _kit.Clock.Advance(TimeSpan.FromSeconds(3));
        }

        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Heartbeat(follower));
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(leader));
    }

    public void Dispose() => _kit.Dispose();
}
