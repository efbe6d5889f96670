using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Tests.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>
/// The controller's side of network partitions and leader moves, on a manual clock: an isolated broker is fenced
/// exactly when broker.session.timeout.ms passes, an isolated leader keeps its ISR until then, and a moved
/// leadership is a new epoch with the ISR unchanged.
/// </summary>
public sealed class IsolationAndMoveTests : IAsyncDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ClusterController _controller;

    public IsolationAndMoveTests()
    {
        var nodes = Enumerable.Range(1, 3).Select(id => new BrokerNode(id, "127.0.0.1") { IsAlive = true });
        var settings = ClusterSettings.From(new EmbeddedKafkaOptions
        {
            TimeProvider = _clock,
            ReplicaLagTimeMax = TimeSpan.FromSeconds(1),
            BrokerSessionTimeout = TimeSpan.FromSeconds(5),
        });
        _controller = new ClusterController(settings, nodes, NullLogger.Instance);
    }

    public ValueTask DisposeAsync() => _controller.DisposeAsync();

    private PartitionState Partition() => _controller.CreateTopic(new TopicSpec("t", 1, 3)).Topic!.Partitions[0];

    [Fact]
    public void An_isolated_leader_keeps_its_ISR_and_leadership_until_the_session_timeout_then_is_fenced()
    {
        var partition = Partition();
        var leader = partition.Leadership.Leader;

        _controller.Isolate(leader);
        _clock.Advance(TimeSpan.FromSeconds(4.9)); // the ISR check ran several times meanwhile

        Assert.Equal(leader, partition.Leadership.Leader);
        Assert.Equal(3, partition.Leadership.Isr.Count);
        Assert.True(_controller.Broker(leader)!.IsAlive);

        _clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.False(_controller.Broker(leader)!.IsAlive);
        Assert.NotEqual(leader, partition.Leadership.Leader);
        Assert.Equal(1, partition.Leadership.LeaderEpoch);
        Assert.DoesNotContain(leader, partition.Leadership.Isr);
    }

    [Fact]
    public void A_healed_broker_registers_again_and_a_heal_before_the_timeout_fences_nothing()
    {
        var partition = Partition();
        var leader = partition.Leadership.Leader;
        _controller.Isolate(leader);
        _clock.Advance(TimeSpan.FromSeconds(6));

        _controller.Heal(leader);

        Assert.True(_controller.Broker(leader)!.IsAlive);
        Assert.False(_controller.IsIsolated(leader));
        Assert.Contains(leader, partition.Leadership.Replicas.Except(partition.Leadership.OfflineReplicas));

        var other = partition.Leadership.Leader;
        _controller.Isolate(other);
        _clock.Advance(TimeSpan.FromSeconds(3));
        _controller.Heal(other);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(_controller.Broker(other)!.IsAlive);
        Assert.Equal(other, partition.Leadership.Leader);
    }

    [Fact]
    public void A_broker_started_while_isolated_is_fenced_again_after_the_session_timeout()
    {
        Partition();
        _controller.Isolate(2);
        _controller.StopBroker(2);
        _controller.StartBroker(2);
        Assert.True(_controller.Broker(2)!.IsAlive);

        _clock.Advance(TimeSpan.FromSeconds(5.1));

        Assert.False(_controller.Broker(2)!.IsAlive);
    }

    [Fact]
    public void A_moved_leadership_is_a_new_epoch_with_the_same_ISR_and_the_old_leader_follows()
    {
        var partition = Partition();
        var before = partition.Leadership;
        var target = before.Replicas.First(r => r != before.Leader);

        Assert.Equal(ErrorCode.None, _controller.MoveLeader(partition, target).Error);

        var after = partition.Leadership;
        Assert.Equal(target, after.Leader);
        Assert.Equal(before.LeaderEpoch + 1, after.LeaderEpoch);
        Assert.Equal(before.Isr, after.Isr);
        Assert.Same(partition.ReplicaLog(target), partition.LeaderLog);
        Assert.Equal(ErrorCode.ElectionNotNeeded, _controller.MoveLeader(partition, target).Error);
        Assert.Equal(after, partition.Leadership);
    }

    [Fact]
    public void A_leadership_moves_to_no_isolated_or_out_of_sync_replica()
    {
        var partition = Partition();
        var leader = partition.Leadership.Leader;
        var (first, second) = (partition.Leadership.Replicas.First(r => r != leader), partition.Leadership.Replicas.Last(r => r != leader));

        _controller.Isolate(first);
        var isolated = _controller.MoveLeader(partition, first);
        _controller.StopBroker(second);
        var stopped = _controller.MoveLeader(partition, second);

        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, isolated.Error);
        Assert.Contains("isolated", isolated.Message);
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, stopped.Error);
        Assert.Equal(leader, partition.Leadership.Leader);
    }
}
