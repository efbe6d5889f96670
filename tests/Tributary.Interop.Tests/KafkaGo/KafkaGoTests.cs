using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker;

namespace Tributary.Interop.Tests.KafkaGo;

/// <summary>The cluster of the kafka-go tests.</summary>
public sealed class KafkaGoCluster() : GoClientCluster(Client)
{
    internal static readonly GoProgram Client = new("kafkago-client");
}

/// <summary>
/// segmentio/kafka-go 0.2.1 (Go, from Debian), a client with its own protocol code that never asks ApiVersions and
/// speaks fixed old versions: Produce v2 (message format 1), Fetch v2, ListOffsets v1, Metadata v1, CreateTopics v0,
/// DeleteTopics v1, FindCoordinator v0, JoinGroup v1, SyncGroup v0, Heartbeat v0, LeaveGroup v0, OffsetCommit v2 and
/// OffsetFetch v1. Covered: its Conn (topics, metadata, writes with each codec, offsets, seeks, batches, a follower's
/// refusals), its Writer with each balancer and codec, its Reader on one partition from an offset, and its Reader in a
/// consumer group of two members rebalancing with kafka-go's own range assignment and committing what they read
/// (its Close sends no LeaveGroup: the members expire with their sessions).
/// </summary>
public sealed class KafkaGoTests(KafkaGoCluster fixture) : IClassFixture<KafkaGoCluster>
{
    private EmbeddedKafkaCluster Cluster => fixture.Cluster;

    private string Bootstrap => Cluster.BootstrapServers;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static List<string> ValuesFrom(int from, int to) =>
        Enumerable.Range(from, to - from).Select(i => $"value-{i}").Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<JsonElement> Records(JsonElement result) => result.GetProperty("records").EnumerateArray();

    private static string Value(JsonElement record) => record.GetProperty("value").GetString()!;

    private Dictionary<int, long> Ends(string topic) =>
        Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions.ToDictionary(p => p.Partition, p => p.HighWatermark);

    [Fact]
    public async Task Kafka_gos_conn_creates_topics_writes_each_codec_to_a_leader_and_reads_back_with_offsets_seeks_and_batches()
    {
        const string topic = "kafkago-conn";

        var steps = await KafkaGoCluster.Client.RunAsync("conn", "-bootstrap", Bootstrap, "-topic", topic);

        string Step(string name) => steps.GetProperty(name).GetString()!;
        Assert.Equal("ok", Step("create"));
        // kafka-go's CreateTopics is idempotent by design: it takes TOPIC_ALREADY_EXISTS (36) as success.
        Assert.Equal("ok", Step("create_again"));
        Assert.StartsWith("[38] Invalid Replication Factor", Step("create_too_many_replicas"), StringComparison.Ordinal);
        foreach (var partition in Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions)
        {
            var seen = steps.GetProperty("partitions").GetProperty(Text(partition.Partition));
            Assert.Equal(partition.Leader, seen.GetProperty("leader").GetInt32());
            Assert.Equal(partition.Replicas, seen.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal(partition.Isr, seen.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
        }

        // ReadPartitions() with no topic is meant to list every topic, but kafka-go 0.2.1 sends Metadata v1 an empty
        // topic list, not a null one: Kafka answers that with no topics, and so does the broker.
        Assert.Equal("{}", steps.GetProperty("all_topics").GetRawText());

        // Five messages each uncompressed, gzip, snappy and lz4, read back in order from one batch after another.
        Assert.Equal("[0,20]", steps.GetProperty("offsets").GetRawText());
        var read = steps.GetProperty("read").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"value-{i}"), read.Select(Value));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), read.Select(r => r.GetProperty("offset").GetInt64()));
        Assert.All(read, r => Assert.Equal(Value(r).Replace("value-", "key-", StringComparison.Ordinal), r.GetProperty("key").GetString()));
        Assert.All(read, r => Assert.True(r.GetProperty("timestamp").GetInt64() > 0, "message format 1 carries the producer's timestamp"));
        Assert.Equal(20, Ends(topic)[0]);

        var seeks = steps.GetProperty("seeks");
        Assert.Equal("""[7,"value-7"]""", seeks.GetProperty("absolute_7").GetRawText());
        Assert.Equal("""[17,"value-17"]""", seeks.GetProperty("end_minus_3").GetRawText());
        Assert.Equal("""[2,"value-2"]""", seeks.GetProperty("start_plus_2").GetRawText());
        Assert.Equal("""[7,"value-7"]""", seeks.GetProperty("current_plus_4").GetRawText());
        Assert.StartsWith("[1] Offset Out Of Range", seeks.GetProperty("past_the_end").GetString(), StringComparison.Ordinal);
        // ListOffsets v1 by time: the first offset at or after a minute ago, and -1 for a time after every message.
        Assert.Equal("[0,-1]", steps.GetProperty("offset_by_time").GetRawText());

        Assert.StartsWith("[6] Not Leader For Partition", Step("write_to_follower"), StringComparison.Ordinal);
        Assert.StartsWith("[6] Not Leader For Partition", Step("offsets_from_follower"), StringComparison.Ordinal);
        Assert.Equal(20, Ends(topic)[0]);

        Assert.Equal(("ok", "ok"), (Step("create_doomed"), Step("delete")));
        Assert.StartsWith("[3] Unknown Topic Or Partition", Step("delete_again"), StringComparison.Ordinal);
        Assert.DoesNotContain(Cluster.DescribeTopics(), t => t.Name == topic + "-doomed");
        Assert.DoesNotContain(Cluster.DescribeTopics(), t => t.Name == topic + "-wide");
    }

    [Theory]
    [InlineData("roundrobin", "none")]
    [InlineData("leastbytes", "gzip")]
    [InlineData("hash", "snappy")]
    [InlineData("roundrobin", "lz4")]
    public async Task Kafka_gos_writer_spreads_messages_with_its_balancer_and_codec_and_its_partition_reader_reads_them_from_an_offset(string balancer, string codec)
    {
        var topic = $"kafkago-writer-{balancer}-{codec}";
        await Cluster.CreateTopicAsync(topic, 3, replicationFactor: 3);

        await KafkaGoCluster.Client.RunAsync("write", "-bootstrap", Bootstrap, "-topic", topic, "-count", "30", "-balancer", balancer, "-compression", codec);
        // The same keys again: the hash balancer must put each key where it put it the first time.
        await KafkaGoCluster.Client.RunAsync("write", "-bootstrap", Bootstrap, "-topic", topic, "-count", "30", "-balancer", balancer, "-compression", codec);

        var ends = Ends(topic);
        Assert.Equal(60, ends.Values.Sum());
        if (balancer == "roundrobin") Assert.All(ends.Values, end => Assert.Equal(20, end));
        var byPartition = new Dictionary<int, List<JsonElement>>();
        foreach (var (partition, end) in ends.Where(e => e.Value > 0))
        {
            var result = await KafkaGoCluster.Client.RunAsync("read", "-bootstrap", Bootstrap, "-topic", topic, "-partition", Text(partition),
                "-offset", "0", "-count", end.ToString(CultureInfo.InvariantCulture));
            byPartition[partition] = Records(result).ToList();
            Assert.Equal(Enumerable.Range(0, (int)end).Select(i => (long)i), byPartition[partition].Select(r => r.GetProperty("offset").GetInt64()));
            Assert.Equal((end, 0L), (result.GetProperty("offset").GetInt64(), result.GetProperty("lag").GetInt64()));
        }
        var everything = byPartition.Values.SelectMany(r => r).Select(Value).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ValuesFrom(0, 30).Concat(ValuesFrom(0, 30)).Order(StringComparer.Ordinal), everything);
        if (balancer == "hash")
            Assert.All(byPartition.Values.SelectMany(r => r).GroupBy(Value), copies => Assert.Single(copies.Select(c => c.GetProperty("partition").GetInt32()).Distinct()));

        // From an offset in the middle (SetOffset): the rest of the partition and nothing before it.
        var (busiest, busiestEnd) = ends.MaxBy(e => e.Value);
        var tail = Records(await KafkaGoCluster.Client.RunAsync("read", "-bootstrap", Bootstrap, "-topic", topic, "-partition", Text(busiest),
            "-offset", "5", "-count", (busiestEnd - 5).ToString(CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(byPartition[busiest].Skip(5).Select(Value), tail.Select(Value));
    }

    [Fact]
    public async Task A_kafka_go_group_of_two_rebalances_with_its_own_range_assignment_and_commits_what_its_members_read()
    {
        const string topic = "kafkago-group", group = "kafkago-group";
        await Cluster.CreateTopicAsync(topic, 3, replicationFactor: 3);
        await KafkaGoCluster.Client.RunAsync("write", "-bootstrap", Bootstrap, "-topic", topic, "-count", "30");

        var result = await KafkaGoCluster.Client.RunAsync("group", "-bootstrap", Bootstrap, "-topic", topic, "-group", group, "-count", "30");

        List<List<int>> Assignments(string member) => result.GetProperty(member).GetProperty("assignments").EnumerateArray()
            .Select(a => a.EnumerateArray().Select(p => p.GetInt32()).ToList()).ToList();
        var first = Assignments("first");
        var second = Assignments("second");
        Assert.Equal([0, 1, 2], first[0]);
        // kafka-go's range assignment by its leader, given back to each member by SyncGroup: disjoint and whole.
        Assert.Equal([0, 1, 2], first[^1].Concat(second[^1]).Order());
        Assert.NotEmpty(first[^1]);
        Assert.NotEmpty(second[^1]);
        Assert.Equal(30, result.GetProperty("first_reads_before_join").GetInt32());
        Assert.True(result.GetProperty("second").GetProperty("reads").GetInt32() > 0, "the second member read the messages of its partitions");
        Assert.Equal(("ok", "ok"), (result.GetProperty("first").GetProperty("error").GetString(), result.GetProperty("second").GetProperty("error").GetString()));

        // Every commit (OffsetCommit v2) landed: the group's offsets are the partitions' ends. kafka-go 0.2.1's Close
        // sends no LeaveGroup, so the members leave when their 6 s sessions expire, as with Kafka.
        var ends = Ends(topic);
        Assert.Equal(60, ends.Values.Sum());
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)])).Single().Partitions;
        Assert.Equal(ends, committed.Where(p => p.Topic == topic).ToDictionary(p => p.Partition.Value, p => p.Offset.Value));
        var expiry = Stopwatch.StartNew();
        while ((await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single().State != ConsumerGroupState.Empty)
        {
            Assert.True(expiry.Elapsed < TimeSpan.FromSeconds(60), "the members' sessions expired");
            await Task.Delay(200);
        }
    }
}
