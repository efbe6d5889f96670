using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

/// <summary>Offsets of consumer groups: commits and fetches checked against member epochs (KIP-848's KIP-447 fencing).</summary>
public sealed class ConsumerGroupOffsetTests : IDisposable
{
    private static readonly OffsetKey Key = new("topic", 0);
    private readonly GroupTestKit _kit = new(new GroupCoordinatorOptions { ConsumerSessionTimeout = TimeSpan.FromSeconds(10) });

    public ConsumerGroupOffsetTests() => _kit.AddTopic("topic", 2);

    public void Dispose() => _kit.Dispose();

    private ErrorCode Commit(string memberId, int epoch, short version = 9, int partition = 0) =>
        _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId, MemberId = memberId, GenerationId = epoch, ApiVersion = version,
            Offsets = [new PartitionOffsetCommit(new OffsetKey("topic", partition), 42)],
        }).Single();

    private ErrorCode TransactionalCommit(string memberId, int epoch, int partition = 0) =>
        _kit.Coordinator.CommitTransactionalOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId, MemberId = memberId, GenerationId = epoch, Offsets = [new PartitionOffsetCommit(new OffsetKey("topic", partition), 7)],
        }, producerId: 1, producerEpoch: 0).Single();

    [Fact]
    public void A_member_commits_at_its_current_epoch_and_a_fetch_reads_the_offset_back()
    {
        var joined = _kit.Join("a");

        Assert.Equal(ErrorCode.None, Commit("a", joined.MemberEpoch));
        Assert.Equal(ErrorCode.None, _kit.Coordinator.CheckOffsetFetchMember(GroupId, "a", joined.MemberEpoch));
        Assert.Equal(42, _kit.Coordinator.FetchOffsets(GroupId, [Key], requireStable: false).Single().Offset);
    }

    [Fact]
    public void An_older_epoch_may_commit_partitions_owned_since_then_but_not_partitions_that_moved_away_and_a_fenced_zombie_is_unknown()
    {
        var a = _kit.Join("a");
        _kit.Join("b");
        var moved = _kit.Beat("a", a.MemberEpoch, owned: new HashSet<TopicIdPartition>());
        Assert.True(moved.MemberEpoch > a.MemberEpoch);
        var kept = moved.Assignment!.Single().Partition;
        var lost = 1 - kept;

        // Kept since epoch 1: the response with the new epoch may not have arrived yet (KIP-1251).
        Assert.Equal(ErrorCode.None, Commit("a", a.MemberEpoch, partition: kept));
        Assert.Equal(ErrorCode.None, TransactionalCommit("a", a.MemberEpoch, partition: kept));
        // Given to b meanwhile: a zombie commit, refused (ILLEGAL_GENERATION in TxnOffsetCommit, which has no STALE_MEMBER_EPOCH).
        Assert.Equal(ErrorCode.StaleMemberEpoch, Commit("a", a.MemberEpoch, partition: lost));
        Assert.Equal(ErrorCode.IllegalGeneration, TransactionalCommit("a", a.MemberEpoch, partition: lost));
        Assert.Equal(ErrorCode.StaleMemberEpoch, _kit.Coordinator.CheckOffsetFetchMember(GroupId, "a", a.MemberEpoch));
        Assert.Equal(ErrorCode.FencedMemberEpoch, _kit.Beat("a", moved.MemberEpoch + 1).Error);

        // a stops heartbeating while b goes on: a's session ends, and so does its right to commit.
        for (var i = 0; i < 3; i++)
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(4));
            _kit.Beat("b", _kit.MemberOf("b").MemberEpoch);
        }
        Assert.Equal(ErrorCode.UnknownMemberId, Commit("a", moved.MemberEpoch, partition: kept));
        Assert.Equal(ErrorCode.UnknownMemberId, TransactionalCommit("a", moved.MemberEpoch, partition: kept));
        Assert.Equal(ErrorCode.UnknownMemberId, _kit.Coordinator.CheckOffsetFetchMember(GroupId, "a", moved.MemberEpoch));
    }

    [Fact]
    public void A_member_of_the_new_protocol_must_commit_with_offset_commit_v9_or_later()
    {
        var joined = _kit.Join("a");

        Assert.Equal(ErrorCode.UnsupportedVersion, Commit("a", joined.MemberEpoch, version: 8));
    }

    [Fact]
    public void Commits_outside_group_management_are_refused_while_the_group_has_members_and_accepted_once_it_is_empty()
    {
        _kit.Join("a");
        Assert.Equal(ErrorCode.UnknownMemberId, Commit("", -1));

        _kit.LeaveConsumerGroup("a");

        Assert.Equal(ErrorCode.None, Commit("", -1));
        Assert.Equal(ErrorCode.None, _kit.Coordinator.CheckOffsetFetchMember(GroupId, null, -1));
    }

    [Fact]
    public void Offsets_of_subscribed_topics_cannot_be_deleted_and_others_can()
    {
        _kit.AddTopic("other", 1);
        var joined = _kit.Join("a");
        Commit("a", joined.MemberEpoch);

        var result = _kit.Coordinator.DeleteOffsets(GroupId, [Key, new OffsetKey("other", 0)]);

        Assert.Equal([ErrorCode.GroupSubscribedToTopic, ErrorCode.None], result.Partitions);
    }

    [Fact]
    public void Only_an_empty_consumer_group_can_be_deleted_and_its_offsets_go_with_it()
    {
        var joined = _kit.Join("a");
        Commit("a", joined.MemberEpoch);
        Assert.Equal(ErrorCode.NonEmptyGroup, _kit.Coordinator.DeleteGroups([GroupId]).Single().Error);

        _kit.LeaveConsumerGroup("a");

        Assert.Equal(ErrorCode.None, _kit.Coordinator.DeleteGroups([GroupId]).Single().Error);
        Assert.Empty(_kit.Coordinator.ListGroups());
        Assert.Equal(-1, _kit.Coordinator.FetchOffsets(GroupId, [Key], requireStable: false).Single().Offset);
    }
}
