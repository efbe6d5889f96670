using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Sarama;

/// <summary>
/// One 3-broker cluster for the Sarama tests, with the authorizer on and the anonymous client a super user (so the
/// ACL APIs answer as on a secured cluster), and a SASL_PLAINTEXT listener where alice logs in; the Go client is
/// built while the cluster starts.
/// </summary>
public sealed class SaramaCluster : IAsyncLifetime
{
    public const string User = "alice", Password = "alice-secret";

    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var build = SaramaClient.BuildOnceAsync();
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 3, AutoCreateTopics = false, EnableAuthorizer = true, SuperUsers = ["User:ANONYMOUS", $"User:{User}"],
            Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
            Users = new Dictionary<string, string> { [User] = Password },
        });
        await build;
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Sarama 1.22.1 (Go, from Debian) against the embedded cluster, speaking the protocol of Kafka 0.10.2, 1.0 and 2.1 as
/// its cfg.Version picks it: metadata, sync and async producers with each codec, partition consumers from the oldest
/// and the newest offset, the idempotent producer, read_committed over another client's transactions, a consumer group
/// of two members through a rebalance with its commits, ClusterAdmin, and SASL/PLAIN in both of its forms.
/// Sarama 1.22 sends zstd in Produce v3 (or in a message set), which Kafka refuses, and so does the broker.
/// </summary>
public sealed class SaramaTests(SaramaCluster fixture) : IClassFixture<SaramaCluster>
{
    private const int Partitions = 3;

    private EmbeddedKafkaCluster Cluster => fixture.Cluster;

    private string Bootstrap => Cluster.BootstrapServers;

    private static bool HasHeaders(string version) => version is not "0.10.2.0";

    private async Task<string> TopicAsync(string purpose, string version)
    {
        var topic = $"sarama-{purpose}-{version.Replace('.', '-')}";
        await Cluster.CreateTopicAsync(topic, Partitions, replicationFactor: 3);
        return topic;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Task<JsonElement> ProduceAsync(string bootstrap, string version, string topic, int start, int count, string compression = "none", bool async = false) =>
        SaramaClient.RunAsync("produce", bootstrap, version, "-topic", topic, "-start", Text(start), "-count", Text(count),
            "-compression", compression, $"-async={(async ? "true" : "false")}");

    private static List<string> Values(JsonElement records) =>
        records.EnumerateArray().Select(r => r.GetProperty("value").GetString()!).Order(StringComparer.Ordinal).ToList();

    private static List<string> ValuesFrom(int from, int to) =>
        Enumerable.Range(from, to - from).Select(i => $"value-{i}").Order(StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData("0.10.2.0")]
    [InlineData("1.0.0")]
    [InlineData("2.1.0")]
    public async Task Sarama_produces_with_each_codec_and_reads_back_from_the_oldest_and_the_newest_offset(string version)
    {
        var topic = await TopicAsync("codecs", version);
        string[] codecs = ["none", "gzip", "snappy", "lz4"];
        for (var i = 0; i < codecs.Length; i++) await ProduceAsync(Bootstrap, version, topic, i * 10, 10, codecs[i], async: i % 2 == 1);

        var oldest = (await SaramaClient.RunAsync("consume", Bootstrap, version, "-topic", topic, "-count", "40")).GetProperty("records");
        var newest = (await SaramaClient.RunAsync("consume", Bootstrap, version, "-topic", topic, "-count", "5", "-from", "newest", "-start", "40")).GetProperty("records");

        Assert.Equal(ValuesFrom(0, 40), Values(oldest));
        Assert.Equal(ValuesFrom(40, 45), Values(newest));
        foreach (var record in oldest.EnumerateArray())
        {
            Assert.Equal(record.GetProperty("value").GetString()!.Replace("value-", "key-", StringComparison.Ordinal), record.GetProperty("key").GetString());
            Assert.Equal(HasHeaders(version), record.GetProperty("headers").TryGetProperty("origin", out _));
            Assert.True(record.GetProperty("timestamp").GetInt64() > 0, "message format 1 and later carry the producer's timestamp");
        }
        foreach (var partition in oldest.EnumerateArray().GroupBy(r => r.GetProperty("partition").GetInt32()))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.GetProperty("offset").GetInt64()).Order());
    }

    [Theory]
    [InlineData("2.1.0", "kafka server: The requesting client does not support the compression type of given partition.")]
    [InlineData("0.10.2.0", "Error code = 87")]
    public async Task Sarama_1_22s_zstd_is_refused_as_kafka_refuses_it(string version, string error)
    {
        // Kafka takes zstd only in Produce v7+ (UNSUPPORTED_COMPRESSION_TYPE before) and never in a message set
        // (INVALID_RECORD, code 87, which Sarama 1.22 does not name); Sarama 1.23 moved to Produce v7 for it.
        var topic = await TopicAsync("zstd", version);

        var result = await SaramaClient.TryRunAsync("produce", Bootstrap, version, "-topic", topic, "-count", "1", "-compression", "zstd");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(error, result.StandardError, StringComparison.Ordinal);
        Assert.All(Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions, p => Assert.Equal(0, p.HighWatermark));
    }

    [Theory]
    [InlineData("0.11.0.0")]
    [InlineData("2.1.0")]
    public async Task Saramas_idempotent_producer_writes_each_record_once_and_in_order(string version)
    {
        var topic = await TopicAsync("idempotent", version);

        await SaramaClient.RunAsync("produce", Bootstrap, version, "-topic", topic, "-count", "20", "-idempotent");
        await SaramaClient.RunAsync("produce", Bootstrap, version, "-topic", topic, "-start", "20", "-count", "20", "-idempotent", "-async", "-compression", "gzip");
        var records = (await SaramaClient.RunAsync("consume", Bootstrap, version, "-topic", topic, "-count", "40")).GetProperty("records");

        Assert.Equal(ValuesFrom(0, 40), Values(records));
        foreach (var partition in records.EnumerateArray().GroupBy(r => r.GetProperty("partition").GetInt32()))
        {
            var values = partition.OrderBy(r => r.GetProperty("offset").GetInt64()).Select(r => int.Parse(r.GetProperty("value").GetString()!["value-".Length..], CultureInfo.InvariantCulture));
            Assert.Equal(values.Order(), values);
        }
        Assert.Equal(40, Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions.Sum(p => p.HighWatermark));
    }

    [Fact]
    public async Task Saramas_read_committed_consumer_skips_what_a_confluent_transaction_aborted()
    {
        var topic = await TopicAsync("isolation", "2.1.0");
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Bootstrap, TransactionalId = $"{topic}-tx" }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            foreach (var (from, commit) in new[] { (0, true), (100, false), (10, true) })
            {
                producer.BeginTransaction();
                for (var i = from; i < from + (commit ? 10 : 5); i++)
                    producer.Produce(topic, new Message<string, string> { Key = $"key-{i}", Value = $"value-{i}" });
                // Flushed first, or the abort would purge the records before they reach the log.
                producer.Flush(TimeSpan.FromSeconds(30));
                if (commit) producer.CommitTransaction();
                else producer.AbortTransaction();
            }
        }

        var committed = (await SaramaClient.RunAsync("consume", Bootstrap, "2.1.0", "-topic", topic, "-count", "20", "-read-committed")).GetProperty("records");
        var everything = (await SaramaClient.RunAsync("consume", Bootstrap, "2.1.0", "-topic", topic, "-count", "25")).GetProperty("records");

        Assert.Equal(ValuesFrom(0, 20), Values(committed));
        Assert.Equal(ValuesFrom(0, 20).Concat(ValuesFrom(100, 105)).Order(StringComparer.Ordinal), Values(everything));
    }

    [Theory]
    [InlineData("0.10.2.0", "client has run out of available brokers")]
    [InlineData("1.0.0", "kafka server: SASL Authentication failed.")]
    public async Task Sarama_logs_in_with_sasl_plain_by_raw_tokens_before_kafka_1_0_and_by_sasl_authenticate_from_it(string version, string refused)
    {
        // Before 1.0 Sarama sends SaslHandshake v0 and the PLAIN token as a bare frame (a wrong password closes the
        // connection); from 1.0 SaslHandshake v1 and SaslAuthenticate (a wrong password is SASL_AUTHENTICATION_FAILED).
        var topic = await TopicAsync("sasl", version);
        var sasl = Cluster.GetBootstrapServers("SASL_PLAINTEXT");

        await SaramaClient.RunAsync("produce", sasl, version, "-topic", topic, "-count", "5", "-sasl-user", SaramaCluster.User, "-sasl-password", SaramaCluster.Password);
        var records = (await SaramaClient.RunAsync("consume", sasl, version, "-topic", topic, "-count", "5",
            "-sasl-user", SaramaCluster.User, "-sasl-password", SaramaCluster.Password)).GetProperty("records");
        var wrong = await SaramaClient.TryRunAsync("metadata", sasl, version, "-topic", topic, "-sasl-user", SaramaCluster.User, "-sasl-password", "wrong");

        Assert.Equal(ValuesFrom(0, 5), Values(records));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains(refused, wrong.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.10.2.0")]
    [InlineData("2.1.0")]
    public async Task Sarama_sees_the_brokers_the_controller_and_each_partitions_leader_replicas_and_isr(string version)
    {
        var topic = await TopicAsync("metadata", version);

        var metadata = await SaramaClient.RunAsync("metadata", Bootstrap, version, "-topic", topic);

        Assert.Equal("[1,2,3]", metadata.GetProperty("brokers").GetRawText());
        Assert.InRange(metadata.GetProperty("controller").GetInt32(), 1, 3);
        foreach (var partition in Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions)
        {
            var seen = metadata.GetProperty("partitions").GetProperty(Text(partition.Partition));
            Assert.Equal(partition.Leader, seen.GetProperty("leader").GetInt32());
            Assert.Equal(partition.Replicas, seen.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal(partition.Isr, seen.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
        }
    }

    [Theory]
    [InlineData("0.10.2.0")]
    [InlineData("1.0.0")]
    [InlineData("2.1.0")]
    public async Task A_sarama_group_of_two_splits_the_partitions_in_a_rebalance_and_commits_where_its_members_left_off(string version)
    {
        var topic = await TopicAsync("group", version);
        var group = $"sarama-group-{version}";
        await ProduceAsync(Bootstrap, version, topic, 0, 30);

        var result = await SaramaClient.RunAsync("group", Bootstrap, version, "-topic", topic, "-group", group, "-count", "30");
        var described = await SaramaClient.RunAsync("describe-group", Bootstrap, version, "-topic", topic, "-group", group);

        var first = Assignments(result.GetProperty("first"));
        var second = Assignments(result.GetProperty("second"));
        Assert.Equal([[0, 1, 2]], first.Take(1));
        Assert.Equal(2, first.Count);
        var rebalanced = Assert.Single(second);
        Assert.NotEmpty(rebalanced);
        Assert.NotEmpty(first[1]);
        Assert.Equal([0, 1, 2], first[1].Concat(rebalanced).Order());
        // Each record read once: the first member committed what it read before the second took partitions over.
        Assert.Equal(60, result.GetProperty("first").GetProperty("reads").GetInt32() + result.GetProperty("second").GetProperty("reads").GetInt32());
        Assert.True(result.GetProperty("second").GetProperty("reads").GetInt32() > 0, "the second member read the records produced after it joined");

        var ends = Cluster.DescribeTopics().Single(t => t.Name == topic).Partitions.ToDictionary(p => Text(p.Partition), p => p.HighWatermark);
        Assert.Equal(60, ends.Values.Sum());
        Assert.Equal(ends, Committed(result));
        Assert.Equal(ends, Committed(described));
        Assert.Equal(("consumer", "consumer", "Empty"),
            (described.GetProperty("listed").GetString(), described.GetProperty("protocol").GetString(), described.GetProperty("state").GetString()));
    }

    private static List<List<int>> Assignments(JsonElement member) =>
        member.GetProperty("assignments").EnumerateArray().Select(a => a.EnumerateArray().Select(p => p.GetInt32()).ToList()).ToList();

    private static Dictionary<string, long> Committed(JsonElement result) =>
        result.GetProperty("committed").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("2.1.0")]
    public async Task Saramas_cluster_admin_manages_topics_configs_partitions_records_and_acls_with_kafkas_answers(string version)
    {
        var topic = $"sarama-admin-{version.Replace('.', '-')}";

        var steps = await SaramaClient.RunAsync("admin", Bootstrap, version, "-topic", topic);

        string Step(string name) => steps.GetProperty(name).GetString()!;
        Assert.Equal("ok", Step("create"));
        Assert.Contains("Topic with this name already exists", Step("create_again"), StringComparison.Ordinal);
        Assert.Contains("Replication-factor is invalid", Step("create_too_many_replicas"), StringComparison.Ordinal);
        Assert.Equal("ok", Step("list"));
        Assert.Equal("""{"configs":{"retention.ms":"3600000"},"partitions":2,"replication":3}""", steps.GetProperty("listed").GetRawText());
        var described = steps.GetProperty("described");
        Assert.Contains("Not an error", described.GetProperty(topic).GetString(), StringComparison.Ordinal);
        Assert.Contains("does not exist", described.GetProperty(topic + "-missing").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"default":false,"entries":1,"read_only":false,"value":"3600000"}""", steps.GetProperty("retention").GetRawText());
        Assert.Equal("ok", Step("alter_config"));
        Assert.Equal("7200000", steps.GetProperty("retention_altered").GetProperty("value").GetString());
        // Sarama 1.22's broker resource type is 5, which Kafka does not define: the request fails as Kafka fails it.
        Assert.StartsWith("This most likely occurs because of a request being malformed", Step("broker_configs"), StringComparison.Ordinal);
        Assert.Equal("ok", Step("create_partitions"));
        Assert.Contains("Number of partitions is invalid", Step("create_partitions_fewer"), StringComparison.Ordinal);
        Assert.Equal(3, steps.GetProperty("partitions").GetInt32());

        // DeleteRecords goes to each partition's leader; a follower answers NOT_LEADER_OR_FOLLOWER.
        var deleted = steps.GetProperty("delete_records");
        Assert.Contains("not the leader", deleted.GetProperty("follower").GetString(), StringComparison.Ordinal);
        Assert.Equal("3 kafka server: Not an error, why are you printing me?", deleted.GetProperty("leader").GetString());
        Assert.Equal((3, 5), (deleted.GetProperty("oldest").GetInt64(), deleted.GetProperty("newest").GetInt64()));

        var acls = steps.GetProperty("acls");
        Assert.Contains("Not an error", acls.GetProperty("create").GetString(), StringComparison.Ordinal);
        Assert.Equal($"""["{topic} User:sarama 3"]""", acls.GetProperty("listed").GetRawText());
        Assert.Equal(1, acls.GetProperty("deleted").GetInt32());
        Assert.Empty(Cluster.GetAcls());

        Assert.Equal("ok", Step("delete_topic"));
        Assert.Contains("does not exist", Step("delete_topic_again"), StringComparison.Ordinal);
        Assert.DoesNotContain(Cluster.DescribeTopics(), t => t.Name == topic);
        Assert.Equal(3, steps.GetProperty("describe_cluster").GetProperty("brokers").GetInt32());
    }
}
