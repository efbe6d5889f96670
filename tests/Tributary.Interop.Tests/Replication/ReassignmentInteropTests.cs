using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Replication;

/// <summary>
/// Partition reassignment (KIP-455) driven by kafkajs 2.2.4's admin client (alterPartitionReassignments,
/// listPartitionReassignments) while kafka-python 2.0.2 produces with acks=all: the replicas move, the leader hands
/// over to a new replica, and every record kafka-python was told was written is there afterwards.
/// </summary>
public sealed class ReassignmentInteropTests
{
    private const string KafkaJs = "node/kafkajs-client.js";
    private const string KafkaPython = "python/kafka_python_client.py";
    private const int Records = 20_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _topic = $"moving-{Guid.NewGuid():N}"[..20];

    private static Task<JsonElement> KafkaJsAsync(EmbeddedKafkaCluster cluster, string command, params string[] options) =>
        ExternalClient.RunJsonAsync("node", [KafkaJs, command, "--bootstrap", cluster.BootstrapServers, .. options], Timeout);

    private static Task<JsonElement> KafkaPythonAsync(EmbeddedKafkaCluster cluster, string command, params string[] options) =>
        ExternalClient.RunJsonAsync("/usr/bin/python3", [KafkaPython, command, "--bootstrap", cluster.BootstrapServers, .. options], Timeout);

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public async Task Kafkajs_moves_the_replicas_while_kafka_python_produces_with_acks_all_and_nothing_acknowledged_is_lost()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 4, AutoCreateTopics = false });
        await cluster.CreateTopicAsync(_topic, partitions: 1, replicationFactor: 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var before = admin.GetMetadata(_topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Single();
        var newcomer = cluster.Brokers.Select(b => b.Id).Single(id => !before.Replicas.Contains(id));
        int[] target = [newcomer, before.Replicas[1], before.Replicas[2]];

        // The newcomer copies nothing until resumed, so the move is seen in progress.
        cluster.PauseReplication(newcomer);
        await KafkaJsAsync(cluster, "reassign", "--topic", _topic, "--replicas", string.Join(',', target));
        var ongoing = (await KafkaJsAsync(cluster, "list-reassignments", "--topic", _topic)).GetProperty("ongoing").EnumerateArray().Single();
        Assert.Equal(target.Append(before.Replicas[0]), Ints(ongoing.GetProperty("replicas")));
        Assert.Equal([newcomer], Ints(ongoing.GetProperty("addingReplicas")));
        Assert.Equal([before.Replicas[0]], Ints(ongoing.GetProperty("removingReplicas")));

        var producing = KafkaPythonAsync(cluster, "produce", "--topic", _topic, "--count", Records.ToString(CultureInfo.InvariantCulture), "--acks", "all", "--retries", "10");
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "watermarks" }).Build();
        await WaitUntilAsync(() => consumer.QueryWatermarkOffsets(new TopicPartition(_topic, 0), TimeSpan.FromSeconds(10)).High.Value > 0, "kafka-python is producing");
        cluster.ResumeReplication(newcomer);

        var produced = await producing;
        Assert.Equal(Records, produced.GetProperty("produced").GetInt32());
        await WaitUntilAsync(() => admin.GetMetadata(_topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Single().Replicas.SequenceEqual(target), "the move completed");
        var after = await KafkaJsAsync(cluster, "list-reassignments", "--topic", _topic);
        Assert.Empty(after.GetProperty("ongoing").EnumerateArray());
        Assert.Equal(target.Order(), Ints(after.GetProperty("replicas")).Order());
        Assert.Equal(newcomer, after.GetProperty("leader").GetInt32());

        // kafka-python 2.0.2 has no idempotence: a batch resent at the leader hand-over may be written twice, so the
        // read goes to the log's end rather than stopping after as many records as were produced (which once left
        // the last few hundred unread and looked like a loss).
        var read = await KafkaPythonAsync(cluster, "read-partition", "--topic", _topic, "--to-end", "--max-seconds", "60");
        var all = read.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToList();
        var values = all.ToHashSet();
        var missing = Enumerable.Range(0, Records).Select(i => $"value-{i}").Where(v => !values.Contains(v)).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} acknowledged records are missing, e.g. {string.Join(", ", missing.Take(5))} (read {all.Count} records, log end {read.GetProperty("end_offset").GetInt64()})");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }
}
