using System.Text.Json;
using Tributary.Protocol.Messages;
using static Tributary.Interop.Tests.NodeClients.NodeScript;
using static Tributary.Interop.Tests.NodeClients.SentApiVersions;

namespace Tributary.Interop.Tests.NodeClients;

/// <summary>
/// no-kafka 3.4.4 (node/no-kafka-client.js), an old pure-JavaScript client we did not write: it never sends
/// ApiVersions and speaks fixed Kafka 0.9 versions (Metadata v0, Produce v1 in message format 0, Fetch v0, ListOffsets
/// v0, GroupCoordinator v0, the group APIs at v0 with its own assignment, OffsetCommit v2 / OffsetFetch v1 in groups,
/// v0 in its SimpleConsumer). It cannot create topics, so the tests do.
/// </summary>
public sealed class NoKafkaTests(ThreeBrokerCluster fixture) : IClassFixture<ThreeBrokerCluster>
{
    private const int Partitions = 4;

    private async Task<JsonElement> RunAsync(string command, string topic)
    {
        await fixture.Cluster.CreateTopicAsync(topic, Partitions, replicationFactor: 3);
        return await NodeScript.RunAsync("no-kafka-client.js", command, fixture.Cluster, topic);
    }

    private static string Unique(string purpose) => NodeScript.Unique("nok", purpose);

    private static void AssertNeverAskedApiVersions(JsonElement result) => Assert.DoesNotContain(ApiKey.ApiVersions, Of(result).Keys);

    [Fact]
    public async Task Produces_in_message_format_0_plain_and_gzip_and_its_simple_consumer_reads_from_offsets_and_commits_where_the_leader_coordinates()
    {
        var topic = Unique("simple");

        var result = await RunAsync("produce-consume", topic);

        var records = result.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(Values("none", 8).Concat(Values("gzip", 8)).Concat(Values("acks-all", 4)).Order(StringComparer.Ordinal),
            records.Select(r => r.GetProperty("value").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(records, r =>
        {
            var value = r.GetProperty("value").GetString()!;
            Assert.Equal(value.Insert(value.LastIndexOf('-'), "-key"), r.GetProperty("key").GetString());
            Assert.Equal(int.Parse(value[(value.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture) % Partitions, r.GetProperty("partition").GetInt32());
        });
        // Each partition's records in offset order from 0, and partition 1 again from offset 2.
        Assert.All(records.GroupBy(r => r.GetProperty("partition").GetInt32()), p =>
            Assert.Equal(Enumerable.Range(0, 5), p.Select(r => r.GetProperty("offset").GetInt32())));
        Assert.Equal(records.Where(r => r.GetProperty("partition").GetInt32() == 1).Skip(2).Select(r => r.GetProperty("value").GetString()),
            result.GetProperty("fromOffset").EnumerateArray().Select(r => r.GetProperty("value").GetString()));
        Assert.Equal((0, 5), (result.GetProperty("earliest").GetInt32(), result.GetProperty("latest").GetInt32()));

        // OffsetCommit/OffsetFetch v0 go to each partition's leader: Kafka 0.8 kept them in ZooKeeper, so any broker
        // took them. Kafka keeps offsets on the group coordinator only (and Kafka 4 removed v0), so the broker leading
        // the coordinating partition stores them and the others answer NOT_COORDINATOR, which Kafka would answer too.
        var commits = result.GetProperty("commitResult").EnumerateArray().ToDictionary(c => c.GetProperty("partition").GetInt32(), c => c.GetProperty("error").GetString());
        var fetches = result.GetProperty("fetchResult").EnumerateArray().ToDictionary(c => c.GetProperty("partition").GetInt32());
        Assert.Contains(null, commits.Values);
        Assert.Contains("NotCoordinatorForGroup", commits.Values);
        Assert.All(commits, c =>
        {
            Assert.Equal(c.Value, fetches[c.Key].GetProperty("error").GetString());
            Assert.Equal(c.Value is null ? c.Key + 1 : -1, fetches[c.Key].GetProperty("offset").GetInt32());
        });
        Assert.All(commits.Values.Where(e => e is not null), e => Assert.Equal("NotCoordinatorForGroup", e));
        AssertSentAt(result, (ApiKey.Metadata, 0), (ApiKey.Produce, 1), (ApiKey.Fetch, 0), (ApiKey.ListOffsets, 0),
            (ApiKey.OffsetCommit, 0), (ApiKey.OffsetFetch, 0));
        AssertNeverAskedApiVersions(result);
    }

    [Fact]
    public async Task Its_group_consumer_assigns_rebalances_commits_and_its_group_admin_lists_describes_and_computes_the_lag()
    {
        var topic = Unique("group");

        var result = await RunAsync("group", topic);

        Assert.Equal([0, 1, 2, 3], Ints(result.GetProperty("ownedAlone")));
        var shared = result.GetProperty("ownedShared");
        List<int> first = Ints(shared.GetProperty("first")), second = Ints(shared.GetProperty("second"));
        Assert.Equal(2, first.Count);
        Assert.Equal([0, 1, 2, 3], first.Concat(second).Order());
        Assert.All(Ints(result.GetProperty("afterByMember").GetProperty("first")), p => Assert.Contains(p, first));
        Assert.All(Ints(result.GetProperty("afterByMember").GetProperty("second")), p => Assert.Contains(p, second));
        Assert.Equal(Values("before", 12).Concat(Values("after", 8)).Order(StringComparer.Ordinal),
            result.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));
        Assert.All(result.GetProperty("committed").EnumerateArray(), c => Assert.Equal(5, c.GetProperty("offset").GetInt32()));
        Assert.Equal("consumer", Assert.Single(result.GetProperty("listed").EnumerateArray()).GetProperty("protocolType").GetString());
        var described = result.GetProperty("described");
        Assert.Equal(("Stable", "consumer", "DefaultAssignmentStrategy"),
            (described.GetProperty("state").GetString(), described.GetProperty("protocolType").GetString(), described.GetProperty("protocol").GetString()));
        var members = described.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("clientId").GetString()!, m => Ints(m.GetProperty("partitions")));
        Assert.Equal(first, members["no-kafka-first"]);
        Assert.Equal(second, members["no-kafka-second"]);
        Assert.All(result.GetProperty("lag").EnumerateArray(), l =>
            Assert.Equal((5, 5, 0), (l.GetProperty("offset").GetInt32(), l.GetProperty("highwaterMark").GetInt32(), l.GetProperty("consumerLag").GetInt32())));
        Assert.Equal("Empty", result.GetProperty("stateAfterLeaving").GetString());
        AssertSentAt(result, (ApiKey.FindCoordinator, 0), (ApiKey.JoinGroup, 0), (ApiKey.SyncGroup, 0), (ApiKey.Heartbeat, 0),
            (ApiKey.LeaveGroup, 0), (ApiKey.OffsetCommit, 2), (ApiKey.OffsetFetch, 1), (ApiKey.ListGroups, 0), (ApiKey.DescribeGroups, 0));
        AssertNeverAskedApiVersions(result);
    }
}
