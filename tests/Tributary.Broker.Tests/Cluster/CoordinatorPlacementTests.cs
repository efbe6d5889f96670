using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Cluster;

/// <summary>
/// Coordinators as Kafka places them: the leader of the key's internal partition (Java's String.hashCode), the other
/// brokers NOT_COORDINATOR, and COORDINATOR_LOAD_IN_PROGRESS while a new leader replays the partition.
/// </summary>
public sealed class CoordinatorPlacementTests : IAsyncDisposable
{
    private readonly ClusterController _controller = new(
        ClusterSettings.From(new EmbeddedKafkaOptions { BrokerConfigs = new Dictionary<string, string> { ["offsets.topic.num.partitions"] = "7" } }),
        Enumerable.Range(1, 2).Select(id => new BrokerNode(id, "127.0.0.1") { IsAlive = true }), NullLogger.Instance);

    public ValueTask DisposeAsync() => _controller.DisposeAsync();

    [Theory]
    [InlineData("my-group", 12)] // "my-group".hashCode() is -1906497762 in Java
    [InlineData("orders-consumers", 39)]
    [InlineData("", 0)]
    public void A_key_goes_to_the_partition_javas_string_hash_gives_it(string key, int partition) =>
        Assert.Equal(partition, CoordinatorPlacement.PartitionFor(key, 50));

    [Fact]
    public void A_hash_of_int_min_value_is_partition_zero_as_kafkas_utils_abs_makes_it()
    {
        // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Math.abs would stay negative.
        Assert.Equal(0, CoordinatorPlacement.PartitionFor("polygenelubricants", 7));
    }

    [Fact]
    public async Task A_new_leader_answers_load_in_progress_until_it_has_replayed_the_partition()
    {
        var placement = _controller.Coordinators;
        using var gate = new ManualResetEventSlim();
        placement.OnLoad(CoordinatorType.Group, (_, _, _) => gate.Wait(Eventually.Patience));
        var partition = placement.PartitionOf(CoordinatorType.Group, "g")!;
        Assert.Equal(CoordinatorPlacement.PartitionFor("g", 7), partition.Index);
        Assert.Equal(7, _controller.Topics.Single(t => t.Name == CoordinatorPlacement.OffsetsTopic).Partitions.Count);
        var leader = partition.Leadership.Leader;
        var other = 3 - leader;
        Assert.Equal(ErrorCode.None, placement.Check(CoordinatorType.Group, "g", leader));
        Assert.Equal(ErrorCode.NotCoordinator, placement.Check(CoordinatorType.Group, "g", other));

        Assert.Equal(ErrorCode.None, _controller.MoveLeader(partition, other).Error);

        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, placement.Check(CoordinatorType.Group, "g", other));
        Assert.Equal(ErrorCode.NotCoordinator, placement.Check(CoordinatorType.Group, "g", leader));
        gate.Set();
        await Eventually.TrueAsync(() => placement.Check(CoordinatorType.Group, "g", other) == ErrorCode.None, "the new leader loaded the partition");
    }

    [Fact]
    public async Task A_request_that_sees_the_offsets_topic_just_created_finds_its_coordinator_ready_not_loading()
    {
        // The coordinators create the topic on first use and count its partitions as loaded at their first leader epoch.
        // A request on another broker that saw the topic in between was answered COORDINATOR_LOAD_IN_PROGRESS (found by
        // no-kafka's v0 commits, sent to every partition's leader at once). The key is the last partition's, the last one
        // counted, so that the other request has the longest time to see the topic first.
        var key = Enumerable.Range(0, 1000).Select(i => $"group-{i}").First(k => CoordinatorPlacement.PartitionFor(k, 7) == 6);
        for (var round = 0; round < 50; round++)
        {
            await using var controller = new ClusterController(
                ClusterSettings.From(new EmbeddedKafkaOptions { BrokerConfigs = new Dictionary<string, string> { ["offsets.topic.num.partitions"] = "7" } }),
                Enumerable.Range(1, 2).Select(id => new BrokerNode(id, "127.0.0.1") { IsAlive = true }), NullLogger.Instance);
            var placement = controller.Coordinators;
            var other = Task.Factory.StartNew(() =>
            {
                while (!controller.TryGetTopic(CoordinatorPlacement.OffsetsTopic, out _)) Thread.SpinWait(1);
                return new[] { placement.Check(CoordinatorType.Group, key, 1), placement.Check(CoordinatorType.Group, key, 2) };
            }, TaskCreationOptions.LongRunning);
            while (other.Status != TaskStatus.Running) Thread.Yield();

            placement.Topic(CoordinatorType.Group);

            Assert.DoesNotContain(ErrorCode.CoordinatorLoadInProgress, await other.WaitAsync(Eventually.Patience));
        }
    }

    [Fact]
    public void The_internal_topics_are_compacted_and_internal()
    {
        var topic = _controller.Coordinators.Topic(CoordinatorType.Transaction)!;

        Assert.Equal(CoordinatorPlacement.TransactionStateTopic, topic.Name);
        Assert.True(topic.IsInternal);
        Assert.True(topic.Config.IsCompacted);
        Assert.Equal(50, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.Equal(2, p.Leadership.Replicas.Count));
    }
}
