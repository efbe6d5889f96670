using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Replication;

/// <summary>
/// Replication as kafka-python 2.0.2 sees it: records only the leader has (acks=1, followers paused) stay above
/// the high watermark and invisible; when that leader crashes, an in-sync follower that never copied them takes
/// over, and the consumer sees the new leader's history only: what acks=1 risks.
/// </summary>
public sealed class KafkaPythonReplicationTests
{
    private const string Script = "python/kafka_python_client.py";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _topic = $"replicated-{Guid.NewGuid():N}"[..30];

    private static Task<JsonElement> RunAsync(string command, params string[] options) =>
        ExternalClient.RunJsonAsync("/usr/bin/python3", [Script, command, .. options], Timeout);

    private Task ProduceAsync(EmbeddedKafkaCluster cluster, int start, int count, string acks) =>
        RunAsync("produce", "--bootstrap", cluster.BootstrapServers, "--topic", _topic, "--start", Text(start), "--count", Text(count), "--acks", acks);

    private async Task<(List<string> Values, long EndOffset)> ReadAsync(EmbeddedKafkaCluster cluster, int count, double seconds)
    {
        var result = await RunAsync("read-partition", "--bootstrap", cluster.BootstrapServers, "--topic", _topic,
            "--count", Text(count), "--max-seconds", seconds.ToString(CultureInfo.InvariantCulture));
        return (result.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToList(), result.GetProperty("end_offset").GetInt64());
    }

    private PartitionMetadata Partition(EmbeddedKafkaCluster cluster)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        return admin.GetMetadata(_topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Single();
    }

    private async Task<PartitionMetadata> PartitionWhenAsync(EmbeddedKafkaCluster cluster, Func<PartitionMetadata, bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var partition = Partition(cluster);
            if (condition(partition)) return partition;
            await Task.Delay(20, deadline.Token);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<string> Values(int from, int count) => Enumerable.Range(from, count).Select(i => $"value-{i}");

    [Fact]
    public async Task Records_only_the_leader_had_are_invisible_and_lost_when_it_crashes()
    {
        // The paused followers stay in the ISR (they have not lagged long enough to leave), so the high watermark holds.
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3,
            AutoCreateTopics = false,
            ReplicaLagTimeMax = TimeSpan.FromMinutes(1),
        });
        await cluster.CreateTopicAsync(_topic, partitions: 1, replicationFactor: 3);
        await ProduceAsync(cluster, 0, 10, acks: "all");
        var leader = Partition(cluster).Leader;
        var followers = cluster.Brokers.Select(b => b.Id).Where(id => id != leader).ToList();
        foreach (var follower in followers) cluster.PauseReplication(follower);

        await ProduceAsync(cluster, 10, 5, acks: "1");
        var beforeCrash = await ReadAsync(cluster, count: 0, seconds: 2);
        Assert.Equal(Values(0, 10), beforeCrash.Values);
        Assert.Equal(10, beforeCrash.EndOffset);

        await cluster.CrashBrokerAsync(leader);
        foreach (var follower in followers) cluster.ResumeReplication(follower);
        await PartitionWhenAsync(cluster, p => p.Leader > 0 && p.Leader != leader);
        await ProduceAsync(cluster, 100, 3, acks: "all");

        var expected = Values(0, 10).Concat(Values(100, 3)).ToList();
        var afterCrash = await ReadAsync(cluster, count: expected.Count, seconds: 20);
        Assert.Equal(expected, afterCrash.Values);
        Assert.Equal(13, afterCrash.EndOffset);
    }
}
