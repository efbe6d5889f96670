using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Demo.Steps;

/// <summary>
/// Replication, what acks buys, with <see cref="KafkaProducer.FlexiFlow{TKey,TValue,TPassThrough}(ProducerSettings{TKey,TValue})"/>
/// on partitions replicated on all three brokers: with acks=all the leader crashes and comes back while messages are
/// written, and every acknowledged message is there; with acks=1 the followers are paused, the leader acknowledges
/// alone, crashes, and an out-of-sync follower is elected (unclean.leader.election.enable): acknowledged messages are
/// lost; and acks=all's latency with followers slowed down against without.
/// </summary>
internal sealed class ReplicationStep : IDemoStep
{
    private const string AcksAllTopic = "demo-acks-all";
    private const string AcksOneTopic = "demo-acks-1";
    private const string LatencyTopic = "demo-latency";
    private const int LatencySamples = 11;
    private static readonly TimeSpan FollowerDelay = TimeSpan.FromMilliseconds(50);

    public string Name => "replication";

    public string Label => "Replication";

    public string Api => "FlexiFlow, acks";

    public string Title => "Replication: acks=all through a crash, acks=1's loss, acks=all's latency";

    public IReadOnlyList<string> Needs => [];

    public long Work(DemoCluster demo) => 2L * Run(demo) + 2 * LatencySamples;

    // Messages per run: a tenth of the exercises', within bounds that keep the step to about a second.
    private static int Run(DemoCluster demo) => Math.Clamp(demo.Messages / 10, 100, 1_000);

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (survived, survivedNote) = await AcksAllThroughACrashAsync(demo, advance, cancellationToken);
        var (lost, lostNote) = await AcksOneLosesAsync(demo, advance, cancellationToken);
        var (slower, latencyNote) = await AcksAllLatencyAsync(demo, advance, cancellationToken);
        return new StepOutcome(0, stopwatch.Elapsed,
            [.. survived, .. lost, slower], [survivedNote, lostNote, latencyNote]);
    }

    /// <summary>acks=all (idempotent) while the partition's leader crashes after a third is acknowledged and comes back after two thirds.</summary>
    private static async Task<(DemoCheck[] Checks, string Note)> AcksAllThroughACrashAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var run = Run(demo);
        await demo.CreateTopicAsync(AcksAllTopic, 1, new Dictionary<string, string> { ["min.insync.replicas"] = "2" }, cancellationToken);
        var leader = demo.Inspector.FirstPartition(AcksAllTopic).Leader;
        var acknowledged = new ConcurrentQueue<Acknowledged>();
        var settings = demo.ProducerSettings().WithProperty("acks", "all").WithProperty("enable.idempotence", "true").WithProperty("linger.ms", "5");
        // Spread over half a second, so that the crash and the return happen while messages are being written.
        var producing = ProduceAsync(demo, settings, AcksAllTopic, Values("acks-all", run), advance, throttle: run / 5, acknowledged, cancellationToken);

        await WhenAsync(() => acknowledged.Count >= run / 3 || producing.IsCompleted, cancellationToken);
        await demo.Cluster.CrashBrokerAsync(leader, cancellationToken);
        await WhenAsync(() => acknowledged.Count >= 2 * run / 3 || producing.IsCompleted, cancellationToken);
        await demo.Cluster.StartBrokerAsync(leader, cancellationToken);
        await producing;
        var rejoined = await demo.Inspector.WaitForFirstPartitionAsync(AcksAllTopic, p => p.InSyncReplicas.Length == DemoCluster.Brokers, cancellationToken);

        var stored = demo.Inspector.ReadAll(AcksAllTopic, 1, IsolationLevel.ReadUncommitted, cancellationToken).Select(r => r.Message.Value).ToList();
        var missing = acknowledged.Select(a => a.Value).Except(stored).Count();
        DemoCheck[] checks =
        [
            new($"acks=all, leader (broker {leader}) crashed and back: {acknowledged.Count:N0} of {run:N0} acknowledged, {missing:N0} of them missing",
                acknowledged.Count == run && missing == 0),
            new($"no duplicates (idempotence): {stored.Count:N0} stored; broker {leader} back in the ISR",
                stored.Count == stored.Distinct().Count() && stored.Count == run && rejoined),
        ];
        return (checks, $"acks=all: all {acknowledged.Count:N0} acknowledged messages survived the crash of the leader, broker {leader}, which then caught up.");
    }

    /// <summary>acks=1 with the followers paused: the leader acknowledges alone, the followers leave the ISR, the leader crashes and an out-of-sync follower leads.</summary>
    private static async Task<(DemoCheck[] Checks, string Note)> AcksOneLosesAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var half = Run(demo) / 2;
        await demo.CreateTopicAsync(AcksOneTopic, 1, new Dictionary<string, string> { ["unclean.leader.election.enable"] = "true" }, cancellationToken);
        var leader = demo.Inspector.FirstPartition(AcksOneTopic).Leader;
        var followers = Enumerable.Range(1, DemoCluster.Brokers).Where(id => id != leader).ToList();
        var acknowledged = new ConcurrentQueue<Acknowledged>();
        var settings = demo.ProducerSettings().WithProperty("acks", "1").WithProperty("linger.ms", "5");

        await ProduceAsync(demo, settings, AcksOneTopic, Values("replicated", half), advance, throttle: null, acknowledged, cancellationToken);
        // Every replica has them: the high watermark passed them with all three in sync (a replica joins the ISR only
        // once it has everything below the high watermark).
        await WhenAsync(() => demo.Inspector.EndOffsetTotal(AcksOneTopic, 1) >= half
            && demo.Inspector.FirstPartition(AcksOneTopic).InSyncReplicas.Length == DemoCluster.Brokers, cancellationToken);
        foreach (var follower in followers) demo.Cluster.PauseReplication(follower);
        await ProduceAsync(demo, settings, AcksOneTopic, Values("leader-only", half), advance, throttle: null, acknowledged, cancellationToken);
        var shrank = await demo.Inspector.WaitForFirstPartitionAsync(AcksOneTopic, p => p.InSyncReplicas.SequenceEqual([leader]), cancellationToken);
        await demo.Cluster.CrashBrokerAsync(leader, cancellationToken);
        foreach (var follower in followers) demo.Cluster.ResumeReplication(follower);
        var elected = await demo.Inspector.WaitForFirstPartitionAsync(AcksOneTopic, p => followers.Contains(p.Leader), cancellationToken);
        await demo.Cluster.StartBrokerAsync(leader, cancellationToken);
        await demo.Inspector.WaitForFirstPartitionAsync(AcksOneTopic, p => p.InSyncReplicas.Length == DemoCluster.Brokers, cancellationToken);

        var stored = demo.Inspector.ReadAll(AcksOneTopic, 1, IsolationLevel.ReadUncommitted, cancellationToken).Select(r => r.Message.Value).ToHashSet();
        var lost = acknowledged.Count(a => !stored.Contains(a.Value));
        DemoCheck[] checks =
        [
            new($"acks=1, followers paused, leader crashed, unclean election: {lost:N0} of {acknowledged.Count:N0} acknowledged messages LOST",
                shrank && elected && acknowledged.Count == 2 * half && lost == half && Values("leader-only", half).All(v => !stored.Contains(v))),
        ];
        return (checks, $"acks=1 LOST {lost:N0} acknowledged messages: broker {leader} acknowledged them alone while its followers were paused, " +
            "then crashed, and an out-of-sync follower was elected (unclean.leader.election.enable=true). acks=all would have waited for the followers.");
    }

    /// <summary>The median acks=all latency of single messages, with the followers in sync and then with their copies delayed.</summary>
    private static async Task<(DemoCheck Check, string Note)> AcksAllLatencyAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        await demo.CreateTopicAsync(LatencyTopic, 1, cancellationToken: cancellationToken);
        var leader = demo.Inspector.FirstPartition(LatencyTopic).Leader;
        var followers = Enumerable.Range(1, DemoCluster.Brokers).Where(id => id != leader).ToList();
        // One message at a time, sent at once: each one's latency is a round trip and the followers' copy.
        var settings = demo.ProducerSettings().WithProperty("acks", "all").WithProperty("linger.ms", "0").WithParallelism(1);

        var inSync = await MedianLatencyAsync(demo, settings, "in-sync", advance, cancellationToken);
        foreach (var follower in followers) demo.Cluster.SetReplicationDelay(follower, FollowerDelay);
        var slowed = await MedianLatencyAsync(demo, settings, "slow", advance, cancellationToken);
        foreach (var follower in followers) demo.Cluster.SetReplicationDelay(follower, TimeSpan.Zero);

        var line = $"acks=all median latency {inSync.TotalMilliseconds:0.0} ms; followers {FollowerDelay.TotalMilliseconds:0} ms slow: {slowed.TotalMilliseconds:0.0} ms";
        return (new DemoCheck(line, slowed >= FollowerDelay && slowed > inSync),
            $"{line}: an acks=all write waits for the slowest in-sync follower.");
    }

    private static async Task<TimeSpan> MedianLatencyAsync(DemoCluster demo, ProducerSettings<string, string> settings, string prefix, Action advance, CancellationToken cancellationToken)
    {
        var acknowledged = new ConcurrentQueue<Acknowledged>();
        await ProduceAsync(demo, settings, LatencyTopic, Values(prefix, LatencySamples), advance, throttle: null, acknowledged, cancellationToken);
        return acknowledged.Select(a => a.Latency).Order().ElementAt(LatencySamples / 2);
    }

    /// <summary>Writes <paramref name="values"/> with the FlexiFlow and records each acknowledged one, with its latency.</summary>
    private static Task ProduceAsync(DemoCluster demo, ProducerSettings<string, string> settings, string topic, IEnumerable<string> values,
        Action advance, int? throttle, ConcurrentQueue<Acknowledged> acknowledged, CancellationToken cancellationToken)
    {
        var source = Source.From(values);
        if (throttle is { } perTenthOfASecond) source = source.Throttle(Math.Max(1, perTenthOfASecond), TimeSpan.FromMilliseconds(100), Math.Max(1, perTenthOfASecond), ThrottleMode.Shaping);
        return source
            .Select(value =>
            {
                advance();
                return ProducerMessage.Single(new ProducerRecord<string, string>(topic, value, value), Stopwatch.GetTimestamp());
            })
            .Via(KafkaProducer.FlexiFlow<string, string, long>(settings))
            .Select(result =>
            {
                if (result is Result<string, string, long> { Delivery.Status: PersistenceStatus.Persisted } delivered)
                    acknowledged.Enqueue(new Acknowledged(delivered.Record.Message.Value, Stopwatch.GetElapsedTime(result.PassThrough)));
                return result;
            })
            .RunWith(Sink.Ignore<IResults<string, string, long>>(), demo.Materializer)
            .WaitAsync(StreamRuns.Patience, cancellationToken);
    }

    private static async Task WhenAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < StreamRuns.Patience)
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
    }

    private static IEnumerable<string> Values(string prefix, int count) => Enumerable.Range(1, count).Select(i => $"{prefix}-{i}");

    private sealed record Acknowledged(string Value, TimeSpan Latency);
}
