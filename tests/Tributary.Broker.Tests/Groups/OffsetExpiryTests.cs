using Tributary.Broker.Groups;
using Tributary.Protocol;
using static Tributary.Broker.Tests.Groups.GroupTestKit;

namespace Tributary.Broker.Tests.Groups;

/// <summary>
/// Kafka's offset expiration (KIP-211) on a manual clock, with a one-minute retention checked every second: when the
/// retention of a classic group's offsets starts counting, and when a group left without offsets goes.
/// </summary>
public sealed class OffsetExpiryTests : IDisposable
{
    private static readonly OffsetKey Partition0 = new("topic", 0);
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(1);
    private readonly GroupTestKit _kit = new(new GroupCoordinatorOptions { OffsetsRetention = Retention, OffsetsRetentionCheckInterval = TimeSpan.FromSeconds(1) });

    private IReadOnlyList<ErrorCode> Commit(JoinGroupResult? member, long offset) =>
        _kit.Coordinator.CommitOffsets(new OffsetCommitCommand
        {
            GroupId = GroupId,
            GenerationId = member?.GenerationId ?? -1,
            MemberId = member?.MemberId ?? "",
            Offsets = [new PartitionOffsetCommit(Partition0, offset)],
        });

    private long Committed() => _kit.Coordinator.FetchOffsets(GroupId, [Partition0], requireStable: false).Single().Offset;

    /// <summary>Moves the clock in one-second steps (the expiry check runs at each), the member heartbeating when given.</summary>
    private void Pass(TimeSpan time, JoinGroupResult? member = null)
    {
        for (var passed = TimeSpan.Zero; passed < time; passed += TimeSpan.FromSeconds(1))
        {
            _kit.Clock.Advance(TimeSpan.FromSeconds(1));
            if (member is not null) Assert.Equal(ErrorCode.None, _kit.Heartbeat(member));
        }
    }

    [Fact]
    public async Task A_groups_offsets_expire_a_retention_after_the_group_became_empty_not_after_their_commit()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        Assert.Equal([ErrorCode.None], Commit(member, 42));
        Pass(TimeSpan.FromSeconds(50), member);

        _kit.Coordinator.LeaveGroup(GroupId, [new LeavingMember(member.MemberId)]);
        Pass(TimeSpan.FromSeconds(50));
        Assert.Equal(42, Committed());
        Assert.Single(_kit.Coordinator.ListGroups());

        Pass(TimeSpan.FromSeconds(11));
        Assert.Equal(-1, Committed());
        Assert.Empty(_kit.Coordinator.ListGroups());
    }

    [Fact]
    public async Task A_stable_groups_offsets_of_a_topic_its_members_subscribe_to_never_expire()
    {
        var member = (await _kit.StableGroupAsync(1))[0];
        Assert.Equal([ErrorCode.None], Commit(member, 42));

        Pass(Retention * 3, member);

        Assert.Equal(42, Committed());
    }

    [Fact]
    public void A_standalone_commit_expires_a_retention_after_it_and_its_group_goes_with_it()
    {
        Assert.Equal([ErrorCode.None], Commit(null, 7));
        Pass(Retention - TimeSpan.FromSeconds(2));
        Assert.Equal(7, Committed());

        Pass(TimeSpan.FromSeconds(3));

        Assert.Equal(-1, Committed());
        Assert.Empty(_kit.Coordinator.ListGroups());
    }

    public void Dispose() => _kit.Dispose();
}
