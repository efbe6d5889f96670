using System.Text.Json;
using Tributary.Protocol.Messages;
using static Tributary.Interop.Tests.NodeClients.NodeScript;
using static Tributary.Interop.Tests.NodeClients.SentApiVersions;

namespace Tributary.Interop.Tests.NodeClients;

/// <summary>
/// kafka-ts 1.5 (node/kafka-ts-client.js), a pure TypeScript client we did not write, with its own protocol code: it
/// sends each request at the newest version both sides support (here Produce v11, Fetch v17 with topic ids, Metadata
/// v12, ListOffsets v10, JoinGroup v9, OffsetCommit v9, ConsumerGroupHeartbeat v1). Its producer is always idempotent
/// with acks all and never compresses; its transactions are driven through its low-level API.
/// </summary>
public sealed class KafkaTsTests(ThreeBrokerCluster fixture) : IClassFixture<ThreeBrokerCluster>
{
    private Task<JsonElement> RunAsync(string command, string topic, params string[] arguments) =>
        NodeScript.RunAsync("kafka-ts-client.js", command, fixture.Cluster, topic, arguments);

    private static string Unique(string purpose) => NodeScript.Unique("kts", purpose);

    [Fact]
    public async Task Creates_grows_and_deletes_topics_and_gets_topic_already_exists_for_a_second_creation()
    {
        var topic = Unique("admin");

        var result = await RunAsync("admin", topic);

        Assert.All(result.GetProperty("created").EnumerateArray(), t =>
            Assert.Equal((0, 3, 3), (t.GetProperty("errorCode").GetInt32(), t.GetProperty("partitions").GetInt32(), t.GetProperty("replicationFactor").GetInt32())));
        Assert.Equal(36, result.GetProperty("again").GetProperty("errorCode").GetInt32()); // TOPIC_ALREADY_EXISTS
        Assert.Equal(0, result.GetProperty("grown")[0].GetProperty("errorCode").GetInt32());
        Assert.Equal(0, result.GetProperty("deleted")[0].GetProperty("errorCode").GetInt32());
        var metadata = result.GetProperty("metadata").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(0, metadata[topic].GetProperty("errorCode").GetInt32());
        Assert.Equal([3, 3, 3, 3, 3], Ints(metadata[topic].GetProperty("replicas")));
        Assert.Equal(3, metadata[$"{topic}-deleted"].GetProperty("errorCode").GetInt32()); // UNKNOWN_TOPIC_OR_PARTITION
        AssertSentAt(result, (ApiKey.ApiVersions, 4), (ApiKey.CreateTopics, 7), (ApiKey.CreatePartitions, 3), (ApiKey.DeleteTopics, 6), (ApiKey.Metadata, 12));
    }

    [Fact]
    public async Task Produces_keys_and_headers_idempotently_to_every_partition_and_reads_them_from_the_beginning_a_timestamp_and_an_offset()
    {
        var topic = Unique("produce");

        var result = await RunAsync("produce-consume", topic);

        var records = result.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(Values("first", 8).Concat(Values("second", 8)).Append("by-key-0").Order(StringComparer.Ordinal),
            records.Select(r => r.GetProperty("value").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(records, r =>
        {
            var value = r.GetProperty("value").GetString()!;
            var index = int.Parse(value[(value.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(value == "by-key-0" ? "by-key" : value.Insert(value.LastIndexOf('-'), "-key"), r.GetProperty("key").GetString());
            Assert.Equal(index.ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("headers").GetProperty("index").GetString());
            Assert.Equal(value[..value.LastIndexOf('-')], r.GetProperty("headers").GetProperty("prefix").GetString());
            if (value != "by-key-0") Assert.Equal(index % 4, r.GetProperty("partition").GetInt32());
        });
        // From a timestamp between the two sends: ListOffsets by time starts each partition at its first later record.
        Assert.Equal(Values("second", 8).Append("by-key-0").Order(StringComparer.Ordinal), Strings(result.GetProperty("fromTimestamp")).Order(StringComparer.Ordinal));
        // A Fetch of partition 1 from offset 2 returns that partition's records from offset 2 on.
        var fetched = result.GetProperty("fetched");
        Assert.Equal(0, fetched.GetProperty("errorCode").GetInt32());
        var partitionOne = records.Where(r => r.GetProperty("partition").GetInt32() == 1).OrderBy(r => r.GetProperty("offset").GetInt64()).ToList();
        Assert.Equal(partitionOne.Count, fetched.GetProperty("highWatermark").GetInt64());
        Assert.Equal(partitionOne.Skip(2).Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("value").GetString())),
            fetched.GetProperty("values").EnumerateArray().Select(v => (v.GetProperty("offset").GetInt64(), v.GetProperty("value").GetString())));
        Assert.Equal(17, result.GetProperty("endOffsets").EnumerateArray().Sum(o => o.GetProperty("offset").GetInt64()));
        AssertSentAt(result, (ApiKey.InitProducerId, 5), (ApiKey.Produce, 11), (ApiKey.Fetch, 17), (ApiKey.ListOffsets, 10));
    }

    // classic: JoinGroup, SyncGroup (kafka-ts assigns), Heartbeat; consumer: ConsumerGroupHeartbeat (the broker assigns).
    [Theory]
    [InlineData("classic")]
    [InlineData("consumer")]
    public async Task A_group_of_two_rebalances_reads_each_record_once_per_owner_and_commits_the_end_offsets(string protocol)
    {
        var topic = Unique(protocol[..4]);

        var result = await RunAsync("group", topic, "--protocol", protocol);

        Assert.Equal([0, 1, 2, 3], Ints(result.GetProperty("beforePartitions")));
        var ownership = result.GetProperty("ownership");
        List<int> first = Ints(ownership.GetProperty("first")), second = Ints(ownership.GetProperty("second"));
        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        Assert.Equal([0, 1, 2, 3], first.Concat(second).Order());
        // After the rebalance each member read only the partitions it owns.
        Assert.All(Ints(result.GetProperty("afterByMember").GetProperty("first")), p => Assert.Contains(p, first));
        Assert.All(Ints(result.GetProperty("afterByMember").GetProperty("second")), p => Assert.Contains(p, second));
        Assert.Equal(Values("before", 12).Concat(Values("after", 8)).Order(StringComparer.Ordinal),
            Strings(result.GetProperty("values")).Order(StringComparer.Ordinal));
        Assert.Equal(result.GetProperty("endOffsets").GetRawText(), result.GetProperty("committed").GetRawText());
        AssertSentAt(result, (ApiKey.FindCoordinator, 6), (ApiKey.OffsetFetch, 9), (ApiKey.OffsetCommit, 9));
        if (protocol == "classic")
            AssertSentAt(result, (ApiKey.JoinGroup, 9), (ApiKey.SyncGroup, 5), (ApiKey.Heartbeat, 4), (ApiKey.LeaveGroup, 5));
        else
            AssertSentAt(result, (ApiKey.ConsumerGroupHeartbeat, 1));
    }

    // KIP-345: a static member that closes does not leave; one rejoining with its group instance id within the session
    // timeout gets its partitions back and the other member does not rebalance.
    [Fact]
    public async Task A_static_member_replaced_under_its_instance_id_takes_back_its_partitions_without_a_rebalance()
    {
        var topic = Unique("static");

        var result = await RunAsync("static", topic);

        var before = result.GetProperty("before");
        var after = result.GetProperty("after");
        Assert.Equal([0, 1, 2, 3], Ints(before.GetProperty("one")).Concat(Ints(before.GetProperty("two"))).Order());
        Assert.Equal(Ints(before.GetProperty("one")), Ints(after.GetProperty("replacement")));
        Assert.Equal(Ints(before.GetProperty("two")), Ints(after.GetProperty("two")));
        Assert.All(Ints(result.GetProperty("afterByMember").GetProperty("replacement")), p => Assert.Contains(p, Ints(before.GetProperty("one"))));
        Assert.Equal(0, result.GetProperty("rebalancesWhileReplacing").GetInt32());
        Assert.DoesNotContain(ApiKey.LeaveGroup, Of(result).Keys);
        AssertSentAt(result, (ApiKey.JoinGroup, 9), (ApiKey.SyncGroup, 5), (ApiKey.Heartbeat, 4));
    }

    [Fact]
    public async Task A_transaction_driven_through_the_low_level_api_commits_and_aborts_for_read_committed_readers()
    {
        var topic = Unique("tx");

        var result = await RunAsync("transactions", topic);

        Assert.Equal([.. Values("committed", 3), "last-0"], Strings(result.GetProperty("committed")));
        Assert.Equal([.. Values("committed", 3), .. Values("aborted", 3), "last-0"], Strings(result.GetProperty("uncommitted")));
        AssertSentAt(result, (ApiKey.FindCoordinator, 6), (ApiKey.InitProducerId, 5), (ApiKey.AddPartitionsToTxn, 3), (ApiKey.EndTxn, 4));
    }
}
