using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Groups.GroupTestKit;
using static Tributary.Broker.Tests.Groups.Handlers.GroupHandlerHarness;

namespace Tributary.Broker.Tests.Groups.Handlers;

/// <summary>ConsumerGroupHeartbeat and ConsumerGroupDescribe on the wire, at every version, and the member-epoch checks of OffsetFetch v9.</summary>
public sealed class ConsumerGroupHandlerTests : IDisposable
{
    private readonly GroupHandlerHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private Guid TopicId => _harness.Cluster.Topics.Single(t => t.Name == Topic).Id;

    private Task<ConsumerGroupHeartbeatResponse> JoinAsync(short version, string memberId, string? regex = null) =>
        _harness.SendAsync<ConsumerGroupHeartbeatResponse>(new ConsumerGroupHeartbeatRequest
        {
            GroupId = GroupId,
            MemberId = memberId,
            MemberEpoch = 0,
            RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = regex is null ? [Topic] : null,
            SubscribedTopicRegex = regex,
            TopicPartitions = [],
        }, version);

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1)]
    public async Task A_member_joins_and_gets_every_partition_by_topic_id_at_every_version(short version)
    {
        var response = await JoinAsync(version, version == 0 ? "" : "member-1");

        Assert.Equal(0, response.ErrorCode);
        Assert.Null(response.ErrorMessage);
        Assert.False(string.IsNullOrEmpty(response.MemberId));
        Assert.Equal(1, response.MemberEpoch);
        Assert.Equal(5000, response.HeartbeatIntervalMs);
        var topic = Assert.Single(response.Assignment!.TopicPartitions);
        Assert.Equal(TopicId, topic.TopicId);
        Assert.Equal([0, 1], topic.Partitions);
    }

    [Fact]
    public async Task Version_1_refuses_an_empty_member_id_with_invalid_request_and_a_message()
    {
        var response = await JoinAsync(1, "");

        Assert.Equal((short)ErrorCode.InvalidRequest, response.ErrorCode);
        Assert.Equal("MemberId can't be empty.", response.ErrorMessage);
    }

    [Fact]
    public async Task Version_1_subscribes_by_regular_expression()
    {
        var response = await JoinAsync(1, "member-1", regex: "top.c");

        Assert.Equal(2, response.Assignment!.TopicPartitions.Single().Partitions.Count);
    }

    [Fact]
    public async Task A_heartbeat_without_changes_carries_no_assignment()
    {
        await JoinAsync(1, "member-1");

        var response = await _harness.SendAsync<ConsumerGroupHeartbeatResponse>(
            new ConsumerGroupHeartbeatRequest { GroupId = GroupId, MemberId = "member-1", MemberEpoch = 1 }, 1);

        Assert.Equal((0, 1), (response.ErrorCode, response.MemberEpoch));
        Assert.Null(response.Assignment);
    }

    [Fact]
    public async Task Consumer_group_describe_shows_epochs_assignor_and_members_with_topic_names_and_refuses_classic_groups()
    {
        await JoinAsync(1, "member-1");
        await _harness.Kit.JoinAsync(JoinCommand() with { GroupId = "classic-group" });

        var response = await _harness.SendAsync<ConsumerGroupDescribeResponse>(
            new ConsumerGroupDescribeRequest { GroupIds = [GroupId, "classic-group", "unknown"] }, 0);

        var group = response.Groups[0];
        Assert.Equal((0, "Stable", 1, 1, "uniform"), (group.ErrorCode, group.GroupState, group.GroupEpoch, group.AssignmentEpoch, group.AssignorName));
        var member = Assert.Single(group.Members);
        Assert.Equal(("member-1", 1, "client", "/127.0.0.1"), (member.MemberId, member.MemberEpoch, member.ClientId, member.ClientHost));
        Assert.Equal([Topic], member.SubscribedTopicNames);
        Assert.Equal((TopicId, Topic), (member.Assignment.TopicPartitions.Single().TopicId, member.Assignment.TopicPartitions.Single().TopicName));
        Assert.Equal([0, 1], member.TargetAssignment.TopicPartitions.Single().Partitions);
        Assert.Equal(((short)ErrorCode.GroupIdNotFound, "Group classic-group is not a consumer group."), (response.Groups[1].ErrorCode, response.Groups[1].ErrorMessage));
        Assert.Equal(((short)ErrorCode.GroupIdNotFound, "Group unknown not found."), (response.Groups[2].ErrorCode, response.Groups[2].ErrorMessage));
    }

    [Fact]
    public async Task Offset_fetch_v9_answers_stale_member_epoch_and_unknown_member_id_at_group_level()
    {
        await JoinAsync(1, "member-1");

        async Task<short> FetchAsync(string? memberId, int epoch) =>
            (await _harness.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
            {
                Groups = [new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = GroupId, MemberId = memberId, MemberEpoch = epoch, Topics = null }],
            }, 9)).Groups.Single().ErrorCode;

        Assert.Equal(0, await FetchAsync("member-1", 1));
        Assert.Equal((short)ErrorCode.StaleMemberEpoch, await FetchAsync("member-1", 0));
        Assert.Equal((short)ErrorCode.UnknownMemberId, await FetchAsync("ghost", 1));
        Assert.Equal(0, await FetchAsync(null, -1));
    }

    [Fact]
    public async Task List_groups_v5_reports_the_consumer_group_type()
    {
        await JoinAsync(1, "member-1");

        var response = await _harness.SendAsync<ListGroupsResponse>(new ListGroupsRequest { TypesFilter = ["consumer"] }, 5);

        var group = Assert.Single(response.Groups);
        Assert.Equal((GroupId, "consumer", "Stable", "consumer"), (group.GroupId, group.GroupType, group.GroupState, group.ProtocolType));
    }
}
