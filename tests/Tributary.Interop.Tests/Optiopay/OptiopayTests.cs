using System.Globalization;
using System.Text.Json;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Optiopay;

/// <summary>The cluster of the optiopay/kafka tests.</summary>
public sealed class OptiopayCluster() : GoClientCluster(Client)
{
    internal static readonly GoProgram Client = new("optiopay-client");
}

/// <summary>
/// optiopay/kafka 2.1.1 (Go, from Debian), a client with its own protocol code that asks ApiVersions v0 on each
/// connection and speaks the highest version both sides know of its ranges: Metadata v5, CreateTopics v0, Produce v2
/// (magic 0 messages, which the broker stores as record batches), Fetch v5 (record batches), ListOffsets v2.
/// Covered: metadata and topic creation, the producer with each codec it has (gzip, snappy), its distributing
/// producers, the consumer and batch consumer from the oldest offset and from a given one, earliest and latest
/// offsets, and the offset APIs. Two defects of the client are Kafka's answers too, not the broker's: its offset
/// coordinator sends FindCoordinator v1 without the key type, a malformed request on which Kafka (and the broker)
/// closes the connection; and it reads a compressed record batch to the end of the partition's data, so a compressed
/// batch followed by another fails to decode. OffsetCommit and OffsetFetch v1-v3 are therefore exercised with
/// optiopay's own encoder and decoder (its proto package) on a connection of the test program's.
/// </summary>
public sealed class OptiopayTests(OptiopayCluster fixture) : IClassFixture<OptiopayCluster>
{
    private EmbeddedKafkaCluster Cluster => fixture.Cluster;

    private string Bootstrap => Cluster.BootstrapServers;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static List<string> Values(JsonElement result) =>
        result.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()!).ToList();

    private static List<string> ValuesFrom(int from, int to) => Enumerable.Range(from, to - from).Select(i => $"value-{i}").ToList();

    private Dictionary<int, long> Ends(string topic) =>
        Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions.ToDictionary(p => p.Partition, p => p.HighWatermark);

    private Task<JsonElement> ProduceAsync(string topic, int start, params string[] arguments) => ProduceAsync(topic, start, 10, arguments);

    private Task<JsonElement> ProduceAsync(string topic, int start, int count, params string[] arguments) =>
        OptiopayCluster.Client.RunAsync(["produce", "-bootstrap", Bootstrap, "-topic", topic, "-start", Text(start), "-count", Text(count), .. arguments]);

    private Task<JsonElement> ConsumeAsync(string topic, int partition, long count, params string[] arguments) =>
        OptiopayCluster.Client.RunAsync(["consume", "-bootstrap", Bootstrap, "-topic", topic, "-partition", Text(partition), "-count", Text(count), .. arguments]);

    [Fact]
    public async Task Optiopay_creates_a_topic_and_sees_the_brokers_the_controller_and_each_partitions_leader_replicas_and_isr()
    {
        const string topic = "optiopay-metadata";

        var steps = await OptiopayCluster.Client.RunAsync("metadata", "-bootstrap", Bootstrap, "-topic", topic);

        Assert.Equal("ok", steps.GetProperty("create").GetString());
        Assert.Equal("Topic with this name already exists. (36)", steps.GetProperty("create_again").GetString());
        Assert.Equal("Replication-factor is invalid. (38)", steps.GetProperty("create_too_many_replicas").GetString());
        Assert.Equal("[1,2,3]", steps.GetProperty("brokers").GetRawText());
        Assert.InRange(steps.GetProperty("controller").GetInt32(), 1, 3);
        Assert.Equal(Cluster.ClusterId, steps.GetProperty("cluster_id").GetString());
        foreach (var partition in Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions)
        {
            var seen = steps.GetProperty("partitions").GetProperty(Text(partition.Partition));
            Assert.Equal(("ok", partition.Leader), (seen.GetProperty("error").GetString(), seen.GetProperty("leader").GetInt32()));
            Assert.Equal(partition.Replicas, seen.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal(partition.Isr, seen.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
        }
    }

    [Fact]
    public async Task Optiopay_produces_with_each_codec_and_consumes_message_by_message_and_in_batches_from_the_oldest_or_a_given_offset()
    {
        const string topic = "optiopay-codecs";
        await Cluster.CreateTopicAsync(topic, 3, replicationFactor: 3);

        var plain = await ProduceAsync(topic, 0, "-partition", "0");
        await ProduceAsync(topic, 10, "-partition", "1", "-compression", "gzip");
        await ProduceAsync(topic, 20, "-partition", "2", "-compression", "snappy");
        await ProduceAsync(topic, 30, "-partition", "0");

        // Produce answers the base offset, and the library numbers each message from it.
        Assert.Equal(0, plain.GetProperty("first").GetInt64());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), ValuesFrom(0, 10).Select(v => plain.GetProperty("offsets").GetProperty(v).GetInt64()));
        Assert.Equal(new Dictionary<int, long> { [0] = 20, [1] = 10, [2] = 10 }, Ends(topic));
        var first = await ConsumeAsync(topic, 0, 20);
        Assert.Equal(ValuesFrom(0, 10).Concat(ValuesFrom(30, 40)), Values(first));
        Assert.All(first.GetProperty("records").EnumerateArray(), r => Assert.Equal(20, r.GetProperty("tip").GetInt64()));
        Assert.Equal(ValuesFrom(10, 20), Values(await ConsumeAsync(topic, 1, 10, "-batch")));
        Assert.Equal(ValuesFrom(20, 30), Values(await ConsumeAsync(topic, 2, 10)));
        Assert.Equal(ValuesFrom(35, 40), Values(await ConsumeAsync(topic, 0, 5, "-from", "15", "-batch")));

        // A second gzip batch behind the first: optiopay 2.1.1 reads the first one's gzip stream on into the next
        // batch's header. Kafka sends both batches in one Fetch just the same.
        await ProduceAsync(topic, 40, "-partition", "1", "-compression", "gzip");
        var broken = await OptiopayCluster.Client.TryRunAsync("consume", "-bootstrap", Bootstrap, "-topic", topic, "-partition", "1", "-count", "20");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("gzip: invalid header", broken.StandardError, StringComparison.Ordinal);
        Assert.Equal(ValuesFrom(40, 50), Values(await ConsumeAsync(topic, 1, 10, "-from", "10")));
    }

    [Theory]
    [InlineData("roundrobin")]
    [InlineData("hash")]
    [InlineData("random")]
    public async Task Optiopays_distributing_producer_spreads_messages_over_the_partitions_and_each_is_read_back(string distribute)
    {
        var topic = $"optiopay-distribute-{distribute}";
        await Cluster.CreateTopicAsync(topic, 3, replicationFactor: 3);

        // Three rounds of the same 9 keys, each by a new producer (the round robin starts over with it).
        for (var round = 0; round < 3; round++) await ProduceAsync(topic, 0, 9, "-distribute", distribute);

        var ends = Ends(topic);
        Assert.Equal(27, ends.Values.Sum());
        if (distribute == "roundrobin") Assert.All(ends.Values, end => Assert.Equal(9, end));
        var read = new List<(int Partition, string Value)>();
        foreach (var (partition, end) in ends.Where(e => e.Value > 0))
            read.AddRange(Values(await ConsumeAsync(topic, partition, end)).Select(v => (partition, v)));
        Assert.Equal(ValuesFrom(0, 9).SelectMany(v => Enumerable.Repeat(v, 3)).Order(StringComparer.Ordinal), read.Select(r => r.Value).Order(StringComparer.Ordinal));
        // The hash producer sends each key to the same partition every round.
        if (distribute == "hash") Assert.All(read.GroupBy(r => r.Value), copies => Assert.Single(copies.Select(c => c.Partition).Distinct()));
    }

    [Fact]
    public async Task Optiopay_reads_the_partitions_ends_and_its_offset_encoding_commits_and_fetches_at_v1_to_v3_with_kafkas_answers()
    {
        const string topic = "optiopay-offsets", group = "optiopay-offsets";
        await Cluster.CreateTopicAsync(topic, 3, replicationFactor: 3);
        await ProduceAsync(topic, 0, "-partition", "1");

        var steps = await OptiopayCluster.Client.RunAsync("offsets", "-bootstrap", Bootstrap, "-topic", topic, "-group", group);

        Assert.Equal("""{"0":[0,0],"1":[0,10],"2":[0,0]}""", steps.GetProperty("ends").GetRawText());
        Assert.Equal("unknown topic or partition (3)", steps.GetProperty("latest_of_missing_topic").GetString());
        // The library's coordinator lookup is FindCoordinator v1 without its key type: the broker closes each
        // connection on the malformed request, as Kafka does, and the library gives up.
        Assert.Equal("consumer coordinator not available (15)", steps.GetProperty("library_coordinator").GetString());

        foreach (var version in new[] { 1, 2, 3 })
        {
            var answers = steps.GetProperty("versions").GetProperty($"v{version}");
            Assert.Equal("ok", answers.GetProperty("commit").GetString());
            // A commit at a generation (0) in a group without members: Kafka's UNKNOWN_MEMBER_ID.
            Assert.Equal("coordinator is not aware of this consumer (25)", answers.GetProperty("commit_generation_0").GetString());
            Assert.Equal("unknown topic or partition (3)", answers.GetProperty("commit_missing_topic").GetString());
            var fetched = answers.GetProperty("fetched");
            Assert.Equal($"[{10 * version},\"v{version}\",\"ok\"]", fetched.GetProperty("0").GetRawText());
            Assert.Equal("""[-1,"","ok"]""", fetched.GetProperty("2").GetRawText());
            Assert.Equal("ok", fetched.GetProperty("error").GetString());
        }
    }
}
