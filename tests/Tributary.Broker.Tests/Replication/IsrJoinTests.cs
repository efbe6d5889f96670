using Tributary.Broker.Cluster;
using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Replication;

/// <summary>
/// A follower that caught up asks the controller to put it back in the ISR; until that is done the leader keeps
/// acknowledging with the old ISR. Kafka counts the follower in the high watermark meanwhile (its "maximal ISR"),
/// else records acknowledged in between would be missing on a replica the ISR then names, and lost if it is elected:
/// 291 acknowledged acks=all records went missing that way in a reassignment (ReassignmentInteropTests, 1 run in 3).
/// </summary>
public sealed class IsrJoinTests
{
    private static readonly AppendOptions Options = new(LeaderEpoch: 0, NowMs: 1_000, UseLogAppendTime: false, MaxMessageBytes: 1 << 20);

    [Fact]
    public void A_follower_asking_to_rejoin_the_ISR_holds_the_high_watermark_until_it_has_the_records()
    {
        var leadership = new PartitionLeadership(Leader: 1, LeaderEpoch: 0, Replicas: [1, 2, 3], Isr: [1, 2]);
        var partition = new PartitionState("t", 0, leadership);
        partition.AppendAsLeader(1, TestBatches.Create(count: 2), Options);
        partition.RecordFollowerFetch(2, followerLogEndOffset: 2, leaderLogEndAtFetch: 2, leaderEpoch: 0);

        var rejoins = partition.RecordFollowerFetch(3, followerLogEndOffset: 2, leaderLogEndAtFetch: 2, leaderEpoch: 0);
        partition.AppendAsLeader(1, TestBatches.Create(), Options);
        partition.RecordFollowerFetch(2, followerLogEndOffset: 3, leaderLogEndAtFetch: 3, leaderEpoch: 0);
        var whileJoining = partition.ReplicaLog(1).HighWatermark;
        partition.Update(leadership with { Isr = [1, 2, 3] });
        partition.RecordFollowerFetch(3, followerLogEndOffset: 3, leaderLogEndAtFetch: 3, leaderEpoch: 0);

        Assert.True(rejoins);
        Assert.Equal(2, whileJoining);
        Assert.Equal(3, partition.ReplicaLog(1).HighWatermark);
    }
}
