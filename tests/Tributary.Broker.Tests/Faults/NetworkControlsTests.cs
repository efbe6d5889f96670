using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Faults;

/// <summary>
/// <see cref="Faults.NetworkControls"/> as Confluent.Kafka (librdkafka) lives through it: latency past its request
/// timeout, reset connections, a black hole, a bandwidth cap, and an isolated broker that the controller fences and
/// that comes back once healed.
/// </summary>
public sealed class NetworkControlsTests(FaultClusterFixture fixture) : FaultClusterTests(fixture)
{
    [Fact]
    public async Task A_producer_gives_up_a_connection_that_latency_pushed_past_its_timeout_and_delivers_once_the_latency_is_gone()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var producer = Fixture.Producer(requestTimeoutMs: 1_000);
        await FaultClusterFixture.ProduceAsync(producer, topic, "before");
        Cluster.Requests.StartRecording();

        // Five times the request timeout: librdkafka scans for timed-out requests once a second, so with 2 s the
        // answer sometimes arrived before a loaded client noticed the timeout (CI, 1 run in many).
        Cluster.Network.SetLatency(leader, TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), Cluster.Network.GetState(leader).Latency);
        var slow = producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "slow" });
        // librdkafka times the request out after socket.timeout.ms, closes the connection and connects again.
        await Eventually.TrueAsync(() => Cluster.Requests.GetRecorded().Where(r => r.BrokerId == leader).Select(r => r.ConnectionId).Distinct().Count() >= 2,
            "the producer timed out and reconnected");
        Assert.False(slow.IsCompleted);
        Cluster.Network.SetLatency(leader, TimeSpan.Zero);

        Assert.Equal(PersistenceStatus.Persisted, (await slow).Status);
        Assert.Equal(["before", "slow"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public async Task Dropped_connections_are_reset_and_clients_reconnect_and_carry_on()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "first");
        var broker = Cluster.Brokers.Single(b => b.Id == leader);
        using var raw = await RawKafkaSocket.ConnectAsync(broker.Host, broker.Port);
        await Eventually.TrueAsync(() => Cluster.Network.GetState(leader).Connections >= 2, "the broker counts both connections");

        Cluster.Network.DropConnections(leader);

        Assert.True(await raw.IsClosedByBrokerAsync());
        await FaultClusterFixture.ProduceAsync(producer, topic, "second");
        Assert.Equal(["first", "second"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public async Task A_black_holed_broker_accepts_requests_and_never_answers_so_the_client_times_out()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var warm = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(warm, topic, "before");

        Cluster.Network.BlackHole(leader);
        Assert.True(Cluster.Network.GetState(leader).BlackHoled);
        using var producer = Fixture.Producer(messageTimeoutMs: 2_000, requestTimeoutMs: 1_000);
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "lost" }));
        Assert.Contains(failure.Error.Code, new[] { Confluent.Kafka.ErrorCode.Local_MsgTimedOut, Confluent.Kafka.ErrorCode.Local_TimedOut, Confluent.Kafka.ErrorCode.RequestTimedOut });

        Cluster.Network.Heal(leader);
        await FaultClusterFixture.ProduceAsync(warm, topic, "after");
    }

    [Fact]
    public async Task A_bandwidth_cap_makes_a_large_fetch_arrive_no_faster_than_the_cap()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var producer = Fixture.Producer();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = new string('x', 300_000) });

        Cluster.Network.SetBandwidthLimit(leader, 150_000);
        var watch = Stopwatch.StartNew();
        var read = Fixture.ReadAll(topic, 1);

        Assert.Equal(300_000, Assert.Single(read).Length);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), $"300 KB at 150 KB/s took only {watch.Elapsed}");
    }

    [Fact]
    public async Task An_isolated_leader_refuses_connections_is_fenced_after_the_session_timeout_and_producers_move_to_the_new_leader()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "before");

        Cluster.Network.Isolate(leader);
        var broker = Cluster.Brokers.Single(b => b.Id == leader);
        Assert.True(await RawKafkaSocket.IsConnectionRefusedAsync(broker.Host, broker.Port));
        await FaultClusterFixture.ProduceAsync(producer, topic, "during");

        Assert.NotEqual(leader, Cluster.GetLeader(topic, 0));
        Assert.False(Cluster.Network.GetState(leader).IsAlive);
        Assert.DoesNotContain(leader, Metadata(topic).InSyncReplicas);

        Cluster.Network.Heal(leader);
        await Eventually.TrueAsync(() => Metadata(topic).InSyncReplicas.Contains(leader), "the healed broker caught up and rejoined the ISR");
        Assert.Equal(["before", "during"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public async Task An_isolated_follower_stops_copying_and_leaves_the_ISR_then_catches_up_once_healed()
    {
        var topic = await NewTopicAsync(replicationFactor: 3);
        var leader = Cluster.GetLeader(topic, 0);
        var follower = Cluster.Brokers.Select(b => b.Id).First(id => id != leader);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "one");

        Cluster.Network.Isolate(follower);
        await FaultClusterFixture.ProduceAsync(producer, topic, "two");
        await Eventually.TrueAsync(() => !Metadata(topic).InSyncReplicas.Contains(follower), "the isolated follower left the ISR");
        Assert.Equal(leader, Cluster.GetLeader(topic, 0));

        Cluster.Network.Heal(follower);
        await Eventually.TrueAsync(() => Metadata(topic).InSyncReplicas.Contains(follower), "the healed follower caught up and rejoined the ISR");
        Assert.Equal(["one", "two"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public void Controls_on_a_broker_that_does_not_exist_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Cluster.Network.SetLatency(42, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentException>(() => Cluster.Network.Isolate(42));
        Assert.Throws<ArgumentException>(() => Cluster.Network.SetLatency(1, TimeSpan.FromSeconds(-1)));
        Assert.Equal(3, Cluster.Network.GetStates().Count);
    }
}
