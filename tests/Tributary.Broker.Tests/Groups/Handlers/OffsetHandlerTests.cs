using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Groups.GroupTestKit;
using static Tributary.Broker.Tests.Groups.Handlers.GroupHandlerHarness;

namespace Tributary.Broker.Tests.Groups.Handlers;

public sealed class OffsetHandlerTests : IDisposable
{
    private readonly GroupHandlerHarness _harness = new();

    public static TheoryData<short> OffsetVersions() => new(Enumerable.Range(0, 10).Select(v => (short)v));

    private Task<OffsetCommitResponse> CommitAsync(short version, string topic, int partition, long offset, string? metadata = "meta", int leaderEpoch = 4) =>
        _harness.SendAsync<OffsetCommitResponse>(new OffsetCommitRequest
        {
            GroupId = GroupId,
            Topics =
            [
                new OffsetCommitRequest.OffsetCommitRequestTopic
                {
                    Name = topic,
                    Partitions =
                    [
                        new OffsetCommitRequest.OffsetCommitRequestPartition
                        {
                            PartitionIndex = partition,
                            CommittedOffset = offset,
                            CommittedLeaderEpoch = version >= 6 ? leaderEpoch : -1,
                            CommittedMetadata = metadata,
                        },
                    ],
                },
            ],
        }, version);

    [Theory]
    [MemberData(nameof(OffsetVersions))]
    public async Task Offsets_committed_outside_group_management_are_fetched_back_at_every_version(short version)
    {
        var committed = await CommitAsync(version, Topic, 1, 42);
        Assert.Equal(ErrorCode.None, (ErrorCode)committed.Topics.Single().Partitions.Single().ErrorCode);

        var (offset, leaderEpoch, metadata, error) = await FetchOneAsync(version, Topic, 1);

        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(42, offset);
        Assert.Equal("meta", metadata);
        Assert.Equal(version >= 6 ? 4 : -1, leaderEpoch);
    }

    private async Task<(long Offset, int LeaderEpoch, string? Metadata, ErrorCode Error)> FetchOneAsync(short version, string topic, int partition)
    {
        if (version >= 8)
        {
            var response = await _harness.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
            {
                Groups =
                [
                    new OffsetFetchRequest.OffsetFetchRequestGroup
                    {
                        GroupId = GroupId,
                        Topics = [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic, PartitionIndexes = [partition] }],
                    },
                ],
                RequireStable = true,
            }, version);
            var group = Assert.Single(response.Groups);
            Assert.Equal(GroupId, group.GroupId);
            var p = group.Topics.Single().Partitions.Single();
            return (p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, (ErrorCode)p.ErrorCode);
        }
        else
        {
            var response = await _harness.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
            {
                GroupId = GroupId,
                Topics = [new OffsetFetchRequest.OffsetFetchRequestTopic { Name = topic, PartitionIndexes = [partition] }],
                RequireStable = version >= 7,
            }, version);
            var p = response.Topics.Single().Partitions.Single();
            return (p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, (ErrorCode)p.ErrorCode);
        }
    }

    [Fact]
    public async Task Commit_to_an_unknown_topic_fails_that_partition_only()
    {
        var response = await _harness.SendAsync<OffsetCommitResponse>(new OffsetCommitRequest
        {
            GroupId = GroupId,
            GenerationIdOrMemberEpoch = -1,
            Topics =
            [
                new OffsetCommitRequest.OffsetCommitRequestTopic { Name = "missing", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] },
                new OffsetCommitRequest.OffsetCommitRequestTopic { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }, new() { PartitionIndex = 5, CommittedOffset = 1 }] },
            ],
        }, 8);

        Assert.Equal(
            [ErrorCode.UnknownTopicOrPartition, ErrorCode.None, ErrorCode.UnknownTopicOrPartition],
            response.Topics.SelectMany(t => t.Partitions).Select(p => (ErrorCode)p.ErrorCode));
    }

    [Fact]
    public async Task Fetch_with_null_topics_returns_every_committed_partition_and_unknown_partitions_get_minus_one()
    {
        await CommitAsync(7, Topic, 0, 5);
        await CommitAsync(7, Topic, 1, 6);

        var all = await _harness.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { GroupId = GroupId, Topics = null }, 2);
        var unknown = await FetchOneAsync(2, "never-committed", 3);

        Assert.Equal([5L, 6L], all.Topics.Single().Partitions.Select(p => p.CommittedOffset));
        Assert.Equal(-1, unknown.Offset);
        Assert.Equal(ErrorCode.None, unknown.Error);
    }

    [Fact]
    public async Task Fetch_v8_answers_several_groups_at_once()
    {
        await CommitAsync(8, Topic, 0, 9);

        var response = await _harness.SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
        {
            Groups =
            [
                new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = GroupId, Topics = null },
                new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = "other", Topics = null },
            ],
        }, 8);

        Assert.Equal([GroupId, "other"], response.Groups.Select(g => g.GroupId));
        Assert.Equal(9, response.Groups[0].Topics.Single().Partitions.Single().CommittedOffset);
        Assert.Empty(response.Groups[1].Topics);
    }

    [Fact]
    public async Task OffsetDelete_removes_offsets_of_an_empty_group()
    {
        await CommitAsync(8, Topic, 0, 9);

        var response = await _harness.SendAsync<OffsetDeleteResponse>(new OffsetDeleteRequest
        {
            GroupId = GroupId,
            Topics = [new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = Topic, Partitions = [new() { PartitionIndex = 0 }] }],
        }, 0);

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)response.Topics.Single().Partitions.Single().ErrorCode);
        Assert.Equal(-1, (await FetchOneAsync(8, Topic, 0)).Offset);
    }

    public void Dispose() => _harness.Dispose();
}
