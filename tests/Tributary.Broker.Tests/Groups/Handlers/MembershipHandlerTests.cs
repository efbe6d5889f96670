using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups.Handlers;

public sealed class MembershipHandlerTests : IDisposable
{
    private readonly GroupHandlerHarness _harness = new();

    private static JoinGroupRequest Join(string memberId, string? instanceId = null) => new()
    {
        GroupId = GroupId,
        SessionTimeoutMs = 10_000,
        RebalanceTimeoutMs = 30_000,
        MemberId = memberId,
        GroupInstanceId = instanceId,
        ProtocolType = "consumer",
        Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = Subscription("topic") }],
    };

    public static TheoryData<short> JoinGroupVersions() => new(Enumerable.Range(0, 10).Select(v => (short)v));

    [Theory]
    [MemberData(nameof(JoinGroupVersions))]
    public async Task Member_joins_syncs_heartbeats_and_leaves_at_every_version(short joinVersion)
    {
        var syncVersion = Math.Min(joinVersion, (short)5);
        var heartbeatVersion = Math.Min(joinVersion, (short)4);
        var leaveVersion = Math.Min(joinVersion, (short)5);

        var joined = await _harness.SendAsync<JoinGroupResponse>(Join(""), joinVersion, clientId: "consumer-1");
        if (joinVersion >= 4)
        {
            Assert.Equal(ErrorCode.MemberIdRequired, (ErrorCode)joined.ErrorCode);
            joined = await _harness.SendAsync<JoinGroupResponse>(Join(joined.MemberId), joinVersion);
        }
        Assert.Equal(ErrorCode.None, (ErrorCode)joined.ErrorCode);
        Assert.StartsWith("consumer-1-", joined.MemberId);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Equal(joined.MemberId, joined.Leader);
        Assert.Equal(Subscription("topic"), Assert.Single(joined.Members).Metadata);

        var synced = await _harness.SendAsync<SyncGroupResponse>(new SyncGroupRequest
        {
            GroupId = GroupId,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            ProtocolType = syncVersion >= 5 ? "consumer" : null,
            ProtocolName = syncVersion >= 5 ? "range" : null,
            Assignments = [new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = joined.MemberId, Assignment = [7, 7] }],
        }, syncVersion);
        Assert.Equal(ErrorCode.None, (ErrorCode)synced.ErrorCode);
        Assert.Equal([7, 7], synced.Assignment);

        var heartbeat = await _harness.SendAsync<HeartbeatResponse>(
            new HeartbeatRequest { GroupId = GroupId, GenerationId = joined.GenerationId, MemberId = joined.MemberId }, heartbeatVersion);
        Assert.Equal(ErrorCode.None, (ErrorCode)heartbeat.ErrorCode);

        var leave = leaveVersion >= 3
            ? new LeaveGroupRequest { GroupId = GroupId, Members = [new LeaveGroupRequest.MemberIdentity { MemberId = joined.MemberId }] }
            : new LeaveGroupRequest { GroupId = GroupId, MemberId = joined.MemberId };
        var left = await _harness.SendAsync<LeaveGroupResponse>(leave, leaveVersion);
        Assert.Equal(ErrorCode.None, (ErrorCode)left.ErrorCode);
        Assert.Equal("Empty", _harness.Kit.Describe().State);
    }

    [Fact]
    public async Task Join_v0_uses_the_session_timeout_as_rebalance_timeout()
    {
        await _harness.SendAsync<JoinGroupResponse>(Join(""), 0);

        var member = Assert.Single(_harness.Kit.Coordinator.DescribeGroups([GroupId]).Single().Members);
        Assert.Equal("/127.0.0.1", member.ClientHost);
        Assert.Equal("client", member.ClientId);
    }

    [Fact]
    public async Task Leave_before_v3_reports_the_members_error_at_the_top_and_from_v3_per_member()
    {
        var joined = await _harness.SendAsync<JoinGroupResponse>(Join("", "instance-a"), 5);

        var v1 = await _harness.SendAsync<LeaveGroupResponse>(new LeaveGroupRequest { GroupId = GroupId, MemberId = "client-unknown" }, 1);
        var v3 = await _harness.SendAsync<LeaveGroupResponse>(new LeaveGroupRequest
        {
            GroupId = GroupId,
            Members =
            [
                new LeaveGroupRequest.MemberIdentity { MemberId = "client-unknown" },
                new LeaveGroupRequest.MemberIdentity { MemberId = "", GroupInstanceId = "instance-a" },
            ],
        }, 3);

        Assert.Equal(ErrorCode.UnknownMemberId, (ErrorCode)v1.ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)v3.ErrorCode);
        Assert.Equal([ErrorCode.UnknownMemberId, ErrorCode.None], v3.Members.Select(m => (ErrorCode)m.ErrorCode));
        Assert.Equal([null, "instance-a"], v3.Members.Select(m => m.GroupInstanceId));
        Assert.NotEqual("", joined.MemberId);
    }

    [Fact]
    public async Task Sync_v5_with_another_protocol_name_is_inconsistent()
    {
        var joined = await _harness.SendAsync<JoinGroupResponse>(Join(""), 3);

        var synced = await _harness.SendAsync<SyncGroupResponse>(new SyncGroupRequest
        {
            GroupId = GroupId, GenerationId = joined.GenerationId, MemberId = joined.MemberId, ProtocolType = "consumer", ProtocolName = "roundrobin",
        }, 5);

        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (ErrorCode)synced.ErrorCode);
    }

    public void Dispose() => _harness.Dispose();
}
