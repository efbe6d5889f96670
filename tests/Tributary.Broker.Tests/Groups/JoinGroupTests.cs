using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

public sealed class JoinGroupTests : IDisposable
{
    private readonly GroupTestKit _kit = new();

    [Fact]
    public async Task First_join_completes_at_once_and_makes_the_member_leader_of_generation_1()
    {
        var joined = await WithinPatience(_kit.JoinAsync(JoinCommand(clientId: "consumer-1")));

        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.Equal(1, joined.GenerationId);
        Assert.StartsWith("consumer-1-", joined.MemberId);
        Assert.Equal(joined.MemberId, joined.LeaderId);
        Assert.Equal("consumer", joined.ProtocolType);
        Assert.Equal("range", joined.ProtocolName);
        var member = Assert.Single(joined.Members);
        Assert.Equal(joined.MemberId, member.MemberId);
        Assert.Equal(Subscription("topic"), member.Metadata);
        Assert.Equal("CompletingRebalance", _kit.Describe().State);
    }

    [Fact]
    public async Task Member_without_id_gets_MEMBER_ID_REQUIRED_from_v4_and_joins_with_the_id_it_was_given()
    {
        var first = await WithinPatience(_kit.JoinAsync(JoinCommand(requireKnownMemberId: true)));

        Assert.Equal(ErrorCode.MemberIdRequired, first.Error);
        Assert.StartsWith("client-", first.MemberId);
        Assert.Equal("Empty", _kit.Describe().State);

        var second = await WithinPatience(_kit.JoinAsync(JoinCommand(first.MemberId, requireKnownMemberId: true)));
        Assert.Equal(ErrorCode.None, second.Error);
        Assert.Equal(first.MemberId, second.MemberId);
        Assert.Equal(1, second.GenerationId);
    }

    [Fact]
    public async Task Member_without_id_before_v4_gets_an_id_at_once()
    {
        var joined = await WithinPatience(_kit.JoinAsync(JoinCommand(requireKnownMemberId: false)));

        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.StartsWith("client-", joined.MemberId);
    }

    [Fact]
    public async Task Rebalance_waits_for_a_member_told_MEMBER_ID_REQUIRED_until_its_session_runs_out()
    {
        var stable = await _kit.StableGroupAsync(1);
        var newcomer = await WithinPatience(_kit.JoinAsync(JoinCommand(requireKnownMemberId: true)));
        Assert.Equal(ErrorCode.MemberIdRequired, newcomer.Error);

        // The member id request alone does not rebalance; the rejoin with the id does.
        Assert.Equal(ErrorCode.None, _kit.Heartbeat(stable[0]));
        var newcomerJoin = _kit.JoinAsync(JoinCommand(newcomer.MemberId, requireKnownMemberId: true));
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(stable[0]));

        var oldJoin = _kit.JoinAsync(stable[0].MemberId);
        var both = await WithinPatience(Task.WhenAll(oldJoin, newcomerJoin));
        Assert.All(both, j => Assert.Equal(2, j.GenerationId));
    }

    [Fact]
    public async Task Second_member_starts_a_rebalance_that_completes_when_the_first_rejoins()
    {
        var first = (await _kit.StableGroupAsync(1))[0];

        var secondJoin = _kit.JoinAsync();
        Assert.False(secondJoin.IsCompleted);
        Assert.Equal("PreparingRebalance", _kit.Describe().State);
        Assert.Equal(ErrorCode.RebalanceInProgress, _kit.Heartbeat(first));

        var firstRejoin = await WithinPatience(_kit.JoinAsync(first.MemberId));
        var second = await WithinPatience(secondJoin);

        Assert.Equal(2, firstRejoin.GenerationId);
        Assert.Equal(2, second.GenerationId);
        Assert.Equal(first.MemberId, firstRejoin.LeaderId);
        Assert.Equal(first.MemberId, second.LeaderId);
        Assert.Equal([first.MemberId, second.MemberId], firstRejoin.Members.Select(m => m.MemberId));
        Assert.Empty(second.Members);
    }

    [Fact]
    public async Task Follower_rejoining_a_stable_group_with_unchanged_protocols_keeps_the_generation()
    {
        var members = await _kit.StableGroupAsync(2);
        var follower = members.Single(m => m.MemberId != m.LeaderId);

        var rejoined = await WithinPatience(_kit.JoinAsync(follower.MemberId));

        Assert.Equal(follower.GenerationId, rejoined.GenerationId);
        Assert.Equal("Stable", _kit.Describe().State);
    }

    [Fact]
    public async Task Protocol_is_chosen_by_vote_among_those_every_member_supports()
    {
        GroupProtocol Protocol(string name) => new(name, Subscription("topic"));
        var a = _kit.JoinAsync(JoinCommand(protocols: [Protocol("range"), Protocol("roundrobin")]));
        var first = await WithinPatience(a);
        Assert.Equal("range", first.ProtocolName);

        var b = _kit.JoinAsync(JoinCommand(protocols: [Protocol("roundrobin"), Protocol("range")]));
        var c = _kit.JoinAsync(JoinCommand(protocols: [Protocol("sticky"), Protocol("roundrobin"), Protocol("range")]));
        var rejoinA = _kit.JoinAsync(JoinCommand(first.MemberId, protocols: [Protocol("range"), Protocol("roundrobin")]));
        var results = await WithinPatience(Task.WhenAll(rejoinA, b, c));

        // "sticky" is not supported by everyone; "roundrobin" is preferred by two of three.
        Assert.All(results, r => Assert.Equal("roundrobin", r.ProtocolName));
    }

    [Fact]
    public async Task Member_without_a_common_protocol_or_with_another_protocol_type_is_refused()
    {
        await _kit.StableGroupAsync(1);

        var noCommon = await WithinPatience(_kit.JoinAsync(JoinCommand(protocols: [new GroupProtocol("sticky", [])])));
        var otherType = await WithinPatience(_kit.JoinAsync(JoinCommand() with { ProtocolType = "connect" }));

        Assert.Equal(ErrorCode.InconsistentGroupProtocol, noCommon.Error);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, otherType.Error);
        Assert.Equal("Stable", _kit.Describe().State);
    }

    [Fact]
    public async Task Invalid_joins_are_refused()
    {
        var noGroup = await _kit.JoinAsync(JoinCommand() with { GroupId = "" });
        var shortSession = await _kit.JoinAsync(JoinCommand() with { SessionTimeout = TimeSpan.FromSeconds(1) });
        var staleMember = await _kit.JoinAsync(JoinCommand("client-gone"));

        Assert.Equal(ErrorCode.InvalidGroupId, noGroup.Error);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, shortSession.Error);
        Assert.Equal(ErrorCode.UnknownMemberId, staleMember.Error);
    }

    [Fact]
    public async Task First_rebalance_waits_the_initial_delay_and_each_newcomer_extends_it()
    {
        using var kit = new GroupTestKit(new GroupCoordinatorOptions { InitialRebalanceDelay = TimeSpan.FromSeconds(3) });

        var first = kit.JoinAsync();
        kit.Clock.Advance(TimeSpan.FromSeconds(2));
        var second = kit.JoinAsync();
        kit.Clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        kit.Clock.Advance(TimeSpan.FromSeconds(0.1));
        var results = await WithinPatience(Task.WhenAll(first, second));
        Assert.All(results, r => Assert.Equal(1, r.GenerationId));
        Assert.Equal(2, results[0].Members.Count);
    }

    public void Dispose() => _kit.Dispose();
}
