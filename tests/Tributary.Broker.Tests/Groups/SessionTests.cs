using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class SessionTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    [Fact]
    public async Task Heartbeat_is_answered_by_the_members_standing()
    {
        var member = (await _kit.StableGroupAsync(1))[0];

        Assert.Equal(ErrorCode.None, _kit.Heartbeat(member));
        Assert.Equal(ErrorCode.IllegalGeneration, _kit.Heartbeat(member with { GenerationId = 0 }));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Heartbeat(member with { MemberId = "client-unknown" }));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Coordinator.Heartbeat(new("other-group", 1, member.MemberId)));
        Assert.Equal(ErrorCode.InvalidGroupId, _kit.Coordinator.Heartbeat(new("", 1, member.MemberId)));
    }

    [Fact]
    public async Task Heartbeats_keep_a_member_alive_beyond_its_session_timeout()
    {
        var member = (await _kit.StableGroupAsync(1))[0];

        for (var i = 0; i < 10; i++)
        {
            _kit.Clock.Advance(SessionTimeout / 2);
            Assert.Equal(ErrorCode.None, _kit.Heartbeat(member));
        }
    }

    [Fact]
    public async Task Session_expiry_removes_the_silent_member_and_rebalances_the_rest()
    {
        var members = await _kit.StableGroupAsync(2);
        var (talker, silent) = (members[0], members[1]);

        _kit.Clock.Advance(SessionTimeout / 2);
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(talker));
        _kit.Clock.Advance(SessionTimeout / 2);

        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(talker));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Heartbeat(silent));
        var rejoined = await WithinPatience(_kit.JoinAsync(talker.MemberId));
        Assert.Equal(talker.GenerationId + 1, rejoined.GenerationId);
        Assert.Equal([talker.MemberId], rejoined.Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task Last_member_expiring_leaves_the_group_empty()
    {
        var member = (await _kit.StableGroupAsync(1))[0];

        _kit.Clock.Advance(SessionTimeout);

        var description = _kit.Describe();
        Assert.Equal("Empty", description.State);
        Assert.Empty(description.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Heartbeat(member));
    }

    [Fact]
    public async Task Member_waiting_in_a_join_does_not_expire_while_others_are_awaited()
    {
        var members = await _kit.StableGroupAsync(2);
        var waiting = _kit.JoinAsync(members[0].MemberId);

        // The other member keeps heartbeating but takes nearly the whole rebalance timeout to rejoin.
        for (var elapsed = TimeSpan.Zero; elapsed < RebalanceTimeout - TimeSpan.FromSeconds(3); elapsed += TimeSpan.FromSeconds(3))
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(members[1]));
        }
        var late = await WithinPatience(_kit.JoinAsync(members[1].MemberId));

        var leader = await WithinPatience(waiting);
        Assert.Equal(ErrorCode.None, late.Error);
        Assert.Equal(members[1].GenerationId + 1, late.GenerationId);
        Assert.Equal(2, leader.Members.Count);
    }

    [Fact]
    public async Task Rebalance_timeout_completes_the_join_without_members_that_did_not_rejoin()
    {
        var members = await _kit.StableGroupAsync(2);
        var newcomer = _kit.JoinAsync();
        var rejoin = _kit.JoinAsync(members[0].MemberId);

        // members[1] heartbeats (so its session never runs out) but never rejoins.
        for (var elapsed = TimeSpan.Zero; elapsed < RebalanceTimeout; elapsed += TimeSpan.FromSeconds(3))
        {
            Assert.False(rejoin.IsCompleted);
            _kit.Heartbeat(members[1]);
            _kit.Clock.Advance(TimeSpan.FromSeconds(3));
        }

        var results = await WithinPatience(Task.WhenAll(rejoin, newcomer));
        Assert.All(results, r => Assert.Equal(members[0].GenerationId + 1, r.GenerationId));
        Assert.Equal(2, results[0].Members.Count);
        Assert.DoesNotContain(results[0].Members, m => m.MemberId == members[1].MemberId);
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Heartbeat(members[1]));
    }

    public void Dispose() => _kit.Dispose();
}
