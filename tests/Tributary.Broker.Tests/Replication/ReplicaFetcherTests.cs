using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Replication;

/// <summary>
/// The replica fetcher sleeps while nothing needs it, yet a follower still learns what only its leader's answer tells it
/// (the high watermark, a new log start) within replica.fetch.wait.max.ms, without another produce. A producer's append
/// is copied on the producer's thread, unless a control holds the follower back.
/// </summary>
public sealed class ReplicaFetcherTests : IAsyncDisposable
{
    private static readonly AppendOptions Options = new(0, 1_000, UseLogAppendTime: false, 1 << 20);
    private readonly ClusterController _controller;
    private readonly PartitionState _partition;

    public ReplicaFetcherTests()
    {
        var nodes = Enumerable.Range(1, 3).Select(id => new BrokerNode(id, "127.0.0.1") { IsAlive = true });
        _controller = new ClusterController(ClusterSettings.From(new EmbeddedKafkaOptions()), nodes, NullLogger.Instance);
        _partition = _controller.CreateTopic(new TopicSpec("a", Assignments: [[1, 2, 3]])).Topic!.Partitions[0];
    }

    public ValueTask DisposeAsync() => _controller.DisposeAsync();

    private long FollowerWakeUps => _controller.ReplicaFetcherWakeUps(2) + _controller.ReplicaFetcherWakeUps(3);

    private async Task ProduceAndReplicateAsync(int records)
    {
        Assert.Equal(Protocol.ErrorCode.None, _partition.AppendAsLeader(1, TestBatches.Create(records, timestamp: 1_000), Options).Error);
        var end = _partition.ReplicaLog(1).LogEndOffset;
        await Eventually.TrueAsync(() => _partition.ReplicaLog(1).HighWatermark == end, "the leader's high watermark passed the records");
        // No other append follows: the followers learn the high watermark their own copies moved from a later look.
        await Eventually.TrueAsync(() => _partition.ReplicaLog(2).HighWatermark == end && _partition.ReplicaLog(3).HighWatermark == end,
            "both followers learned the high watermark");
    }

    /// <summary>
    /// Waits out a reminder armed by the last high watermark move, which may still run a round once (and, while it
    /// copies, a producer's thread leaves its copy to the loop).
    /// </summary>
    private static Task RemindersDoneAsync() => Task.Delay(TimeSpan.FromSeconds(1));

    [Fact]
    public async Task Followers_learn_the_high_watermark_without_another_produce_and_then_their_fetchers_stay_asleep()
    {
        await ProduceAndReplicateAsync(3);

        await RemindersDoneAsync();
        var settled = FollowerWakeUps;
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // three of the old fixed sweeps per fetcher

        Assert.Equal(settled, FollowerWakeUps);
    }

    [Fact]
    public async Task Followers_follow_delete_records_on_their_leader_without_another_produce()
    {
        await ProduceAndReplicateAsync(5);

        var (error, lowWatermark) = _partition.DeleteRecordsBefore(1, 3);

        Assert.Equal(Protocol.ErrorCode.None, error);
        Assert.Equal(3, lowWatermark);
        await Eventually.TrueAsync(() => _partition.ReplicaLog(2).LogStartOffset == 3 && _partition.ReplicaLog(3).LogStartOffset == 3,
            "both followers moved their log start to the leader's");
    }

    [Fact]
    public async Task A_produced_batch_is_copied_by_both_followers_before_its_append_returns_without_waking_their_fetchers()
    {
        await ProduceAndReplicateAsync(2);
        await RemindersDoneAsync();
        var settled = FollowerWakeUps;

        Assert.Equal(Protocol.ErrorCode.None, _partition.AppendAsLeader(1, TestBatches.Create(3, timestamp: 1_000), Options).Error);

        Assert.Equal((5L, 5L, 5L), (_partition.ReplicaLog(2).LogEndOffset, _partition.ReplicaLog(3).LogEndOffset, _partition.ReplicaLog(1).HighWatermark));
        Assert.Equal(settled, FollowerWakeUps);
    }

    [Fact]
    public async Task A_follower_with_a_replication_delay_copies_after_the_delay_while_the_other_copies_at_once()
    {
        await ProduceAndReplicateAsync(2);
        await RemindersDoneAsync();
        _controller.SetReplicationDelay(2, TimeSpan.FromMilliseconds(300));

        Assert.Equal(Protocol.ErrorCode.None, _partition.AppendAsLeader(1, TestBatches.Create(2, timestamp: 1_000), Options).Error);

        Assert.Equal((2L, 4L, 2L), (_partition.ReplicaLog(2).LogEndOffset, _partition.ReplicaLog(3).LogEndOffset, _partition.ReplicaLog(1).HighWatermark));
        await Eventually.TrueAsync(() => _partition.ReplicaLog(2).LogEndOffset == 4 && _partition.ReplicaLog(1).HighWatermark == 4,
            "the delayed follower copied and the high watermark passed the records");
    }

    [Fact]
    public async Task A_paused_follower_catches_up_when_resumed_and_follows_later_produces()
    {
        await ProduceAndReplicateAsync(2);
        _controller.PauseReplication(2, paused: true);
        Assert.Equal(Protocol.ErrorCode.None, _partition.AppendAsLeader(1, TestBatches.Create(2, timestamp: 1_000), Options).Error);
        await Eventually.TrueAsync(() => _partition.ReplicaLog(3).LogEndOffset == 4, "the other follower copied");
        Assert.Equal(2, _partition.ReplicaLog(2).LogEndOffset);

        _controller.PauseReplication(2, paused: false);
        await Eventually.TrueAsync(() => _partition.ReplicaLog(2).LogEndOffset == 4, "the resumed follower caught up");

        await ProduceAndReplicateAsync(1);
        Assert.Equal(5, _partition.ReplicaLog(2).LogEndOffset);
    }
}
