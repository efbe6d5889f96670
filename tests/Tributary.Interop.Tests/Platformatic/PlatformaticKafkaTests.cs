using System.Text.Json;
using Tributary.Interop.Tests.NodeClients;
using Tributary.Protocol.Messages;
using static Tributary.Interop.Tests.NodeClients.NodeScript;
using static Tributary.Interop.Tests.NodeClients.SentApiVersions;

namespace Tributary.Interop.Tests.Platformatic;

/// <summary>
/// @platformatic/kafka 1.35 (node/platformatic-client.mjs), a modern pure-JavaScript client we did not write: unlike
/// the other clients here it negotiates recent API versions on its own (flexible versions, Fetch v17 with topic ids,
/// Produce v11, Metadata v12, ListOffsets v9, the classic group APIs at their newest versions, ConsumerGroupHeartbeat v1
/// of KIP-848), so each test also checks the versions it sent.
/// </summary>
public sealed class PlatformaticKafkaTests(ThreeBrokerCluster fixture) : IClassFixture<ThreeBrokerCluster>
{
    private Task<JsonElement> RunAsync(string command, string topic) =>
        NodeScript.RunAsync("platformatic-client.mjs", command, fixture.Cluster, topic);

    private static string Unique(string purpose) => NodeScript.Unique("plat", purpose);

    // A group of two: the first member alone owned the four partitions, then each owned two; both read, and every
    // record expected was read at least once (the client may read one twice around the rebalance, never lose one).
    private static void AssertTwoMembersShareTheTopic(JsonElement result, IEnumerable<string> expected)
    {
        Assert.Equal([0, 1, 2, 3], result.GetProperty("assignedAlone").EnumerateArray().Select(p => p.GetInt32()));
        var shared = result.GetProperty("assignedShared").EnumerateArray().Select(m => m.EnumerateArray().Select(p => p.GetInt32()).ToList()).ToList();
        Assert.All(shared, m => Assert.Equal(2, m.Count));
        Assert.Equal([0, 1, 2, 3], shared.SelectMany(m => m).Order());
        Assert.Equal(expected.Order(StringComparer.Ordinal), Strings(result.GetProperty("values")).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["first", "second"], Strings(result.GetProperty("members")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Creates_grows_configures_trims_and_deletes_topics_and_describes_log_dirs_with_the_newest_admin_versions()
    {
        var topic = Unique("admin");

        var result = await RunAsync("admin", topic);

        Assert.Equal(topic, result.GetProperty("created")[0].GetProperty("name").GetString());
        Assert.Equal(result.GetProperty("created")[0].GetProperty("id").GetString(), result.GetProperty("topicId").GetString());
        Assert.Equal(5, result.GetProperty("partitions").GetInt32());
        Assert.All(result.GetProperty("replicas").EnumerateArray(), r => Assert.Equal(3, r.GetInt32()));
        string Config(string step, string name) => result.GetProperty(step).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;
        Assert.Equal("3600000", Config("configsAtCreation", "retention.ms"));
        Assert.Equal("7200000", Config("configsAfterIncremental", "retention.ms"));
        // AlterConfigs replaces the whole set: retention.ms, not named in it, goes back to the default.
        Assert.Equal("compact", Config("configsAfterAlter", "cleanup.policy"));
        Assert.Equal("604800000", Config("configsAfterAlter", "retention.ms"));
        var logDirs = result.GetProperty("logDirs").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], logDirs.Select(b => b.GetProperty("broker").GetInt32()).Order());
        Assert.All(logDirs, b => Assert.Equal($"memory://broker-{b.GetProperty("broker").GetInt32()}", Assert.Single(b.GetProperty("dirs").EnumerateArray()).GetProperty("logDir").GetString()));
        var replicas = logDirs.SelectMany(b => b.GetProperty("dirs")[0].GetProperty("partitions").EnumerateArray()).ToList();
        Assert.Equal(15, replicas.Count);
        Assert.All(replicas.Where(r => r.GetProperty("partition").GetInt32() == 0), r => Assert.True(r.GetProperty("size").GetInt64() > 0));
        Assert.Equal(2, result.GetProperty("lowWatermark").GetInt64());
        Assert.Equal(2, result.GetProperty("earliest").GetInt64());
        Assert.Equal(6, result.GetProperty("latest").GetInt64());
        Assert.Equal(0, result.GetProperty("latestOfEmpty").GetInt64());
        Assert.True(result.GetProperty("listed").GetBoolean());
        Assert.False(result.GetProperty("deletedListed").GetBoolean());
        AssertSentAt(result, (ApiKey.CreateTopics, 7), (ApiKey.Metadata, 12), (ApiKey.CreatePartitions, 3),
            (ApiKey.DescribeConfigs, 4), (ApiKey.IncrementalAlterConfigs, 1), (ApiKey.DeleteTopics, 6),
            (ApiKey.ListOffsets, 9), (ApiKey.DescribeLogDirs, 4));
    }

    [Fact]
    public async Task Produces_with_each_compression_and_acks_and_idempotently_and_reads_back_keys_and_headers_with_fetch_by_topic_id()
    {
        var topic = Unique("produce");

        var result = await RunAsync("produce-consume", topic);

        var records = result.GetProperty("records").EnumerateArray().ToList();
        var expected = new[] { "none", "gzip", "snappy", "lz4" }
            .SelectMany(c => new[] { $"{c}-acks-1", $"{c}-acks1" }).SelectMany(p => Enumerable.Range(0, 5).Select(i => $"{p}-{i}"))
            .Concat(Enumerable.Range(0, 10).Select(i => $"idempotent-{i}")).Order(StringComparer.Ordinal);
        Assert.Equal(expected, records.Select(r => r.GetProperty("value").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(records, r =>
        {
            var value = r.GetProperty("value").GetString()!;
            var index = value[(value.LastIndexOf('-') + 1)..];
            Assert.Equal(value.Insert(value.LastIndexOf('-'), "-key"), r.GetProperty("key").GetString());
            Assert.Equal(index, r.GetProperty("headers").GetProperty("index").GetString());
        });
        Assert.All(records.Where(r => !r.GetProperty("value").GetString()!.StartsWith("idempotent", StringComparison.Ordinal)),
            r => Assert.StartsWith(r.GetProperty("headers").GetProperty("compression").GetString()!, r.GetProperty("value").GetString()!, StringComparison.Ordinal));
        Assert.True(result.GetProperty("producerId").GetInt64() >= 0);
        AssertSentAt(result, (ApiKey.Produce, 11), (ApiKey.Fetch, 17), (ApiKey.InitProducerId, 5));
    }

    [Fact]
    public async Task A_group_of_two_rebalances_commits_and_is_described_listed_and_administered()
    {
        var topic = Unique("group");

        var result = await RunAsync("group", topic);

        AssertTwoMembersShareTheTopic(result, Values("before", 12).Concat(Values("after", 8)).Concat(Values("late", 4)));
        Assert.True(result.GetProperty("rebalanced").GetBoolean());
        Assert.Equal(Values("late", 4).Order(StringComparer.Ordinal), Strings(result.GetProperty("latestValues")).Order(StringComparer.Ordinal));
        Assert.Equal(24, result.GetProperty("endOffsets").EnumerateArray().Sum(o => o.GetInt64()));
        var committed = result.GetProperty("committed").EnumerateArray().ToDictionary(c => c.GetProperty("partition").GetInt32(), c => c.GetProperty("offset").GetInt64());
        Assert.Equal(1, committed[result.GetProperty("manualCommitPartition").GetInt32()]);
        Assert.All(committed, c => Assert.InRange(c.Value, 1, result.GetProperty("endOffsets")[c.Key].GetInt64()));
        var described = result.GetProperty("described");
        Assert.Equal("STABLE", described.GetProperty("state").GetString());
        Assert.Equal(2, described.GetProperty("members").GetInt32());
        Assert.Equal("STABLE", result.GetProperty("listedState").GetString());
        Assert.Equal("EMPTY", result.GetProperty("stateAfterClose").GetString());
        var afterAdmin = result.GetProperty("afterAdmin").EnumerateArray().ToDictionary(c => c.GetProperty("partition").GetInt32(), c => c.GetProperty("offset").GetInt64());
        Assert.Equal(0, afterAdmin[1]);
        Assert.False(afterAdmin.ContainsKey(2));
        Assert.False(result.GetProperty("listedAfterDelete").GetBoolean());
        AssertSentAt(result, (ApiKey.JoinGroup, 9), (ApiKey.SyncGroup, 5), (ApiKey.Heartbeat, 4), (ApiKey.OffsetCommit, 9),
            (ApiKey.OffsetFetch, 9), (ApiKey.DescribeGroups, 5), (ApiKey.ListGroups, 5), (ApiKey.OffsetDelete, 0),
            (ApiKey.LeaveGroup, 5));
    }

    [Fact]
    public async Task A_group_of_the_consumer_protocol_is_assigned_by_the_broker_and_listed_with_its_type()
    {
        var topic = Unique("kip848");

        var result = await RunAsync("consumer-protocol", topic);

        AssertTwoMembersShareTheTopic(result, Values("before", 12).Concat(Values("after", 8)));
        var listed = result.GetProperty("listed");
        Assert.Equal(("consumer", "STABLE", "consumer"), (listed.GetProperty("type").GetString(), listed.GetProperty("state").GetString(), listed.GetProperty("protocolType").GetString()));
        // DescribeGroups v5 is for classic groups: Kafka 4 describes a consumer group there as dead, with no error.
        Assert.Equal("DEAD", result.GetProperty("described").GetProperty("state").GetString());
        Assert.Equal(0, result.GetProperty("described").GetProperty("members").GetInt32());
        AssertSentAt(result, (ApiKey.ConsumerGroupHeartbeat, 1), (ApiKey.ListGroups, 5), (ApiKey.DescribeGroups, 5));
    }

    [Fact]
    public async Task Commits_and_aborts_transactions_and_its_read_committed_consumer_sees_only_the_committed_records()
    {
        var topic = Unique("tx");

        var result = await RunAsync("transactions", topic);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"committed-{i}").Append("last-0").Order(StringComparer.Ordinal),
            Strings(result.GetProperty("values")).Order(StringComparer.Ordinal));
        AssertSentAt(result, (ApiKey.AddPartitionsToTxn, 3), (ApiKey.EndTxn, 4), (ApiKey.FindCoordinator, 6));
    }
}
