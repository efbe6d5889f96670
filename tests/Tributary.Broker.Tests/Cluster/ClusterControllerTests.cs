using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Cluster;

public class ClusterControllerTests : IAsyncDisposable
{
    private readonly List<ClusterController> _controllers = [];

    private ClusterController Controller(int brokers = 3, bool autoCreate = true, short defaultReplicationFactor = 1)
    {
        var nodes = Enumerable.Range(1, brokers).Select(id => new BrokerNode(id, "127.0.0.1") { IsAlive = true });
        var settings = ClusterSettings.From(new EmbeddedKafkaOptions { AutoCreateTopics = autoCreate, DefaultReplicationFactor = defaultReplicationFactor });
        var controller = new ClusterController(settings, nodes, NullLogger.Instance);
        _controllers.Add(controller);
        return controller;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var controller in _controllers) await controller.DisposeAsync();
    }

    [Fact]
    public void Leaders_and_replicas_are_spread_over_the_brokers()
    {
        var controller = Controller();
        var topic = controller.CreateTopic(new TopicSpec("orders", 6, 2)).Topic!;

        var leaders = topic.Partitions.Select(p => p.Leadership.Leader).ToList();
        Assert.All(new[] { 1, 2, 3 }, id => Assert.Equal(2, leaders.Count(l => l == id)));
        Assert.All(topic.Partitions, p =>
        {
            Assert.Equal(2, p.Leadership.Replicas.Distinct().Count());
            Assert.Equal(p.Leadership.Replicas, p.Leadership.Isr);
            Assert.Equal(p.Leadership.Replicas[0], p.Leadership.Leader);
        });
        Assert.NotEqual(Guid.Empty, topic.Id);
        Assert.True(controller.TryGetTopic(topic.Id, out var byId) && byId == topic);
    }

    [Fact]
    public void Successive_topics_start_on_different_brokers()
    {
        var controller = Controller();
        var firstLeaders = Enumerable.Range(0, 3)
            .Select(i => controller.CreateTopic(new TopicSpec($"t{i}", 1, 1)).Topic!.Partitions[0].Leadership.Leader);
        Assert.Equal(3, firstLeaders.Distinct().Count());
    }

    [Theory]
    [InlineData("", ErrorCode.InvalidTopicException)]
    [InlineData("..", ErrorCode.InvalidTopicException)]
    [InlineData("bad name", ErrorCode.InvalidTopicException)]
    public void Invalid_names_are_rejected(string name, ErrorCode expected)
    {
        Assert.Equal(expected, Controller().CreateTopic(new TopicSpec(name, 1, 1)).Error);
    }

    [Fact]
    public void Invalid_creations_get_Kafkas_error_codes()
    {
        var controller = Controller();
        controller.CreateTopic(new TopicSpec("a", 1, 1));

        Assert.Equal(ErrorCode.TopicAlreadyExists, controller.CreateTopic(new TopicSpec("a", 1, 1)).Error);
        Assert.Equal(ErrorCode.InvalidPartitions, controller.CreateTopic(new TopicSpec("b", 0, 1)).Error);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, controller.CreateTopic(new TopicSpec("b", 1, 4)).Error);
        Assert.Equal(ErrorCode.InvalidConfig, controller.CreateTopic(new TopicSpec("b", 1, 1, Configs: new Dictionary<string, string?> { ["retention.ms"] = "soon" })).Error);
        Assert.Equal(ErrorCode.InvalidConfig, controller.CreateTopic(new TopicSpec("b", 1, 1, Configs: new Dictionary<string, string?> { ["no.such.config"] = "1" })).Error);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, controller.CreateTopic(new TopicSpec("b", Assignments: [[1, 1]])).Error);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, controller.CreateTopic(new TopicSpec("b", Assignments: [[9]])).Error);
        Assert.False(controller.TryGetTopic("b", out _));
    }

    [Fact]
    public void Validate_only_creates_nothing()
    {
        var controller = Controller();
        Assert.Equal(ErrorCode.None, controller.CreateTopic(new TopicSpec("a", 3, 3), validateOnly: true).Error);
        Assert.False(controller.TryGetTopic("a", out _));
    }

    [Fact]
    public void Explicit_assignments_are_used_as_given()
    {
        var topic = Controller().CreateTopic(new TopicSpec("a", Assignments: [[3, 1], [2, 3]])).Topic!;
        Assert.Equal([3, 1], topic.Partitions[0].Leadership.Replicas);
        Assert.Equal(2, topic.Partitions[1].Leadership.Leader);
    }

    [Fact]
    public async Task Stopping_a_broker_moves_its_leaderships_to_live_replicas_and_bumps_the_epoch()
    {
        var controller = Controller();
        var topic = controller.CreateTopic(new TopicSpec("a", 3, 2)).Topic!;
        var led = topic.Partitions.Single(p => p.Leadership.Leader == 2);
        var follower = topic.Partitions.Single(p => p.Leadership.Replicas.Contains(2) && p.Leadership.Leader != 2);

        controller.StopBroker(2);

        Assert.NotEqual(2, led.Leadership.Leader);
        Assert.Equal(1, led.Leadership.LeaderEpoch);
        Assert.DoesNotContain(2, led.Leadership.Isr);
        Assert.Equal([2], led.Leadership.OfflineReplicas);
        Assert.Equal(0, follower.Leadership.LeaderEpoch);
        Assert.DoesNotContain(2, follower.Leadership.Isr);
        Assert.Equal(1, controller.ControllerId);

        controller.StartBroker(2);
        Assert.Empty(led.Leadership.OfflineReplicas);

        // Back as a follower, it rejoins the ISR once its replica fetcher has caught up.
        await Eventually.TrueAsync(() => led.Leadership.Isr.Contains(2) && follower.Leadership.Isr.Contains(2));
    }

    [Fact]
    public void A_partition_without_live_replicas_has_no_leader_until_one_returns()
    {
        var controller = Controller();
        var partition = controller.CreateTopic(new TopicSpec("a", Assignments: [[3]])).Topic!.Partitions[0];

        controller.StopBroker(3);
        Assert.Equal(-1, partition.Leadership.Leader);
        Assert.Equal(1, partition.Leadership.LeaderEpoch);

        controller.StartBroker(3);
        Assert.Equal(3, partition.Leadership.Leader);
        Assert.Equal(2, partition.Leadership.LeaderEpoch);
        Assert.Equal((2, 0L), partition.LeaderLog!.EndOffsetForEpoch(2));
    }

    [Fact]
    public void The_controller_is_the_lowest_live_broker()
    {
        var controller = Controller();
        controller.StopBroker(1);
        Assert.Equal(2, controller.ControllerId);
        controller.StopBroker(2);
        controller.StopBroker(3);
        Assert.Equal(-1, controller.ControllerId);
    }

    [Fact]
    public void New_topics_need_enough_live_brokers()
    {
        var controller = Controller();
        controller.StopBroker(3);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, controller.CreateTopic(new TopicSpec("a", 1, 3)).Error);
        Assert.DoesNotContain(controller.CreateTopic(new TopicSpec("b", 4, 2)).Topic!.Partitions, p => p.Leadership.Replicas.Contains(3));
    }

    [Fact]
    public void Auto_creation_follows_the_setting_and_the_clients_wish()
    {
        var on = Controller();
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, on.GetOrAutoCreate("x", clientAllowsAutoCreate: false).Error);
        var created = on.GetOrAutoCreate("x", clientAllowsAutoCreate: true);
        Assert.Equal(ErrorCode.None, created.Error);
        Assert.Single(created.Topic!.Partitions);
        Assert.Same(created.Topic, on.GetOrAutoCreate("x", true).Topic);

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Controller(autoCreate: false).GetOrAutoCreate("x", true).Error);
    }

    [Fact]
    public void Topics_can_be_deleted_and_grow_partitions()
    {
        var controller = Controller();
        controller.CreateTopic(new TopicSpec("a", 2, 2));

        Assert.Equal(ErrorCode.InvalidPartitions, controller.CreatePartitions("a", 2, null).Error);
        Assert.Equal(ErrorCode.None, controller.CreatePartitions("a", 5, null, validateOnly: true).Error);
        Assert.Equal(5, controller.CreatePartitions("a", 5, null).Topic!.Partitions.Count);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, controller.CreatePartitions("a", 7, [[1, 2]]).Error);
        Assert.Equal(2, controller.FindPartition("a", 4)!.Leadership.Replicas.Count);

        Assert.Equal(ErrorCode.None, controller.DeleteTopic("a").Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, controller.DeleteTopic("a").Error);
        Assert.Null(controller.FindPartition("a", 0));
    }

    [Fact]
    public void Topic_configs_override_Kafkas_defaults_and_can_be_reset()
    {
        var controller = Controller();
        var topic = controller.CreateTopic(new TopicSpec("a", 1, 1, Configs: new Dictionary<string, string?> { ["retention.bytes"] = "1000" })).Topic!;
        Assert.Equal(1000, topic.Config.RetentionBytes);
        Assert.Equal(604_800_000, topic.Config.RetentionMs);
        Assert.Equal(1_048_588, topic.Config.MaxMessageBytes);

        var maxMessageBytes = TopicConfigCatalog.Find("max.message.bytes")!;
        Assert.Equal(("1048588", ConfigSource.DefaultConfig), topic.Config.Resolve(maxMessageBytes));

        controller.AlterTopicConfig("a", _ => [new("message.timestamp.type", "LogAppendTime"), new("retention.bytes", null)], validateOnly: false);
        Assert.True(topic.Config.UseLogAppendTime);
        Assert.Equal(-1, topic.Config.RetentionBytes);
        Assert.Equal(ErrorCode.InvalidConfig, controller.AlterTopicConfig("a", _ => [new("cleanup.policy", "shred")], false).Error);
        Assert.Equal(ErrorCode.None, controller.AlterTopicConfig("a", _ => [new("cleanup.policy", "compact,delete")], true).Error);
        Assert.Equal("delete", topic.Config.Resolve(TopicConfigCatalog.Find("cleanup.policy")!).Value);
    }

    [Fact]
    public void Retention_applies_each_topics_limits()
    {
        var controller = Controller();
        var topic = controller.CreateTopic(new TopicSpec("a", 1, 1, Configs: new Dictionary<string, string?> { ["retention.ms"] = "1000" })).Topic!;
        var log = topic.Partitions[0].LeaderLog!;
        log.Append(TestBatches.Create(2, timestamp: 1_000), new(0, 1_000, false, 1_048_588));

        controller.ApplyRetention(nowMs: 1_500);
        Assert.Equal(0, log.LogStartOffset);
        controller.ApplyRetention(nowMs: 2_001);
        Assert.Equal(2, log.LogStartOffset);
    }

    [Fact]
    public async Task A_marker_the_followers_never_copied_is_written_again_on_the_new_leader_before_any_produce()
    {
        var controller = Controller();
        var partition = controller.CreateTopic(new TopicSpec("a", Assignments: [[1, 2]])).Topic!.Partitions[0];
        partition.AdmitTransactionalProducer(7, 0);
        var options = new AppendOptions(0, 1_000, UseLogAppendTime: false, 1 << 20);
        Assert.Equal(ErrorCode.None, partition.AppendAsLeader(1, Transactions.TransactionalBatches.Create(7, 0, 0, count: 2), options).Error);
        await Eventually.TrueAsync(() => partition.ReplicaLog(2).LogEndOffset == 2, "the follower copied the transaction's records");

        controller.PauseReplication(2, paused: true);
        controller.WriteMarker(partition, 7, 0, new ControlRecord(ControlRecordType.Commit, 0), 1_000, 1 << 20);
        controller.StopBroker(1);

        var newLeader = partition.LeaderLog!;
        Assert.Same(partition.ReplicaLog(2), newLeader);
        Assert.False(newLeader.HasOpenTransaction(7));
        Assert.Equal(3, newLeader.LogEndOffset);
        Assert.Equal(3, newLeader.LastStableOffset);
    }

    [Fact]
    public void Producer_ids_are_unique()
    {
        var controller = Controller();
        Assert.NotEqual(controller.NextProducerId(), controller.NextProducerId());
    }
}
