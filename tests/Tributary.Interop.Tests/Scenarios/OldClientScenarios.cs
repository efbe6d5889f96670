using System.Text;
using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Interop.Tests.Drivers;

namespace Tributary.Interop.Tests.Scenarios;

/// <summary>One single-broker cluster shared by the tests of one old client generation.</summary>
public sealed class OldClientCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { AutoCreateTopics = false });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>What a client generation's records carry: magic 0 has no timestamps, magic 0 and 1 no headers.</summary>
/// <param name="Timestamps">Records written and read by the client carry a timestamp (message format 1 and later).</param>
/// <param name="Headers">Records written and read by the client carry headers (message format 2).</param>
public sealed record Generation(bool Timestamps, bool Headers)
{
    public static Generation MessageFormat0 { get; } = new(Timestamps: false, Headers: false);
    public static Generation MessageFormat1 { get; } = new(Timestamps: true, Headers: false);
    public static Generation RecordBatches { get; } = new(Timestamps: true, Headers: true);
}

/// <summary>
/// Clients of Kafka 0.9-0.11 against the embedded cluster, as Kafka 3.x serves them: produce with and without
/// compression in their own message format, consume in a group with commit and resume, and share a topic with a
/// modern client (Confluent.Kafka), seeing headers and timestamps as Kafka converts them.
/// </summary>
public abstract class OldClientScenarios(OldClientCluster fixture, IClientDriver client, IClientDriver compressing, Generation generation)
    : IClassFixture<OldClientCluster>
{
    private const int Partitions = 2;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    private EmbeddedKafkaCluster Cluster => fixture.Cluster;

    private string Bootstrap => Cluster.BootstrapServers;

    private async Task<string> TopicAsync(string purpose)
    {
        var topic = $"{purpose}-{Guid.NewGuid():N}"[..30];
        await Cluster.CreateTopicAsync(topic, Partitions);
        return topic;
    }

    private static string Group(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    private static void AssertExactly(IEnumerable<ConsumedRecord> records, int from, int to) =>
        Assert.Equal(Enumerable.Range(from, to - from).Select(i => $"value-{i}").Order(StringComparer.Ordinal),
            records.Select(r => r.Value ?? "<null>").Order(StringComparer.Ordinal));

    [Fact]
    public async Task Produces_with_and_without_compression_and_a_group_resumes_from_its_commits()
    {
        var topic = await TopicAsync("resume");
        var group = Group("old");
        await client.ProduceAsync(Bootstrap, topic, 0, 30);
        await compressing.ProduceAsync(Bootstrap, topic, 30, 30);

        var first = await client.ConsumeAsync(Bootstrap, topic, group, 60, commit: true, TimeSpan.Zero);
        await client.ProduceAsync(Bootstrap, topic, 60, 20);
        var resumed = await client.ConsumeAsync(Bootstrap, topic, group, 20, commit: true, TimeSpan.Zero);

        AssertExactly(first.Records, 0, 60);
        AssertExactly(resumed.Records, 60, 80);
        Assert.All(first.Records, r => Assert.Equal(r.Value!.Replace("value-", "key-", StringComparison.Ordinal), r.Key));
    }

    [Fact]
    public async Task Shares_a_topic_with_a_modern_client_with_headers_and_timestamps_as_kafka_converts_them()
    {
        var topic = await TopicAsync("mixed");
        var written = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Bootstrap, LingerMs = 0 }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string>
                {
                    Key = $"key-{i}", Value = $"value-{i}", Timestamp = new Timestamp(written + i, TimestampType.CreateTime),
                    Headers = new Headers { { "origin", Encoding.UTF8.GetBytes("confluent") } },
                });
            }
        }
        await client.ProduceAsync(Bootstrap, topic, 10, 10);

        var old = await client.ConsumeAsync(Bootstrap, topic, Group("old-reader"), 20, commit: false, TimeSpan.Zero);
        var modern = ReadWithConfluent(topic, 20);

        AssertExactly(old.Records, 0, 20);
        var fromModern = old.Records.Where(r => int.Parse(r.Value!["value-".Length..]) < 10).ToList();
        Assert.All(fromModern, r => Assert.Equal(generation.Headers, r.Headers.ContainsKey("origin")));
        if (fromModern.All(r => r.Timestamp is not null))
        {
            Assert.All(fromModern, r => Assert.Equal(generation.Timestamps, r.Timestamp == written + int.Parse(r.Value!["value-".Length..])));
        }

        Assert.Equal(20, modern.Count);
        var fromOld = modern.Where(m => int.Parse(m.Message.Value["value-".Length..]) >= 10).ToList();
        Assert.All(fromOld, m => Assert.Equal($"key-{m.Message.Value["value-".Length..]}", m.Message.Key));
        Assert.All(fromOld, m => Assert.Equal(generation.Timestamps, m.Message.Timestamp.UnixTimestampMs > 0));
        if (!generation.Headers) Assert.All(fromOld, m => Assert.Empty(m.Message.Headers));
    }

    private List<ConsumeResult<string, string>> ReadWithConfluent(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap, GroupId = Group("modern"), AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + ClientTimeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result) results.Add(result);
        }
        return results;
    }
}

/// <summary>kafka-python 2.0.2 as a Kafka 0.9 client: Produce v1 and Fetch v1 in message format 0, JoinGroup v0.</summary>
public sealed class KafkaPython09Scenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    ScriptDriver.KafkaPython.With("kafka-python 0.9", "--api-version", "0.9"),
    ScriptDriver.KafkaPython.With("kafka-python 0.9 gzip", "--api-version", "0.9", "--compression", "gzip"), Generation.MessageFormat0);

/// <summary>kafka-python 2.0.2 as a Kafka 0.10.0 client: Produce v2 and Fetch v2 in message format 1.</summary>
public sealed class KafkaPython010Scenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    ScriptDriver.KafkaPython.With("kafka-python 0.10", "--api-version", "0.10"),
    ScriptDriver.KafkaPython.With("kafka-python 0.10 gzip", "--api-version", "0.10", "--compression", "gzip"), Generation.MessageFormat1);

/// <summary>kafka-python 2.0.2 as a Kafka 0.10.1 client: Fetch v3, ListOffsets v1, JoinGroup v1.</summary>
public sealed class KafkaPython0101Scenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    ScriptDriver.KafkaPython.With("kafka-python 0.10.1", "--api-version", "0.10.1"),
    ScriptDriver.KafkaPython.With("kafka-python 0.10.1 gzip", "--api-version", "0.10.1", "--compression", "gzip"), Generation.MessageFormat1);

/// <summary>
/// kafka-python 2.0.2 as a Kafka 0.11 client: record batches (Produce v3, Fetch v4) with the group APIs of 0.11.
/// (kafka-python compares version tuples, so 0.11 must be given as 0.11.0 or it fetches with v3.)
/// </summary>
public sealed class KafkaPython011Scenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    ScriptDriver.KafkaPython.With("kafka-python 0.11", "--api-version", "0.11.0"),
    ScriptDriver.KafkaPython.With("kafka-python 0.11 gzip", "--api-version", "0.11.0", "--compression", "gzip"), Generation.RecordBatches);

/// <summary>
/// kcat (librdkafka 2.0.2) speaking Kafka 0.9: Metadata v0, Produce v1 and Fetch v1 in message format 0, LZ4 frames
/// with the old header checksum. (From a fallback of 0.10.0 librdkafka asks ApiVersions whatever
/// api.version.request says, and then speaks the newest versions, so format 1 cannot be forced through it.)
/// </summary>
public sealed class Kcat09Scenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    KcatDriver.Speaking("0.9.0", "kcat 0.9"),
    KcatDriver.Speaking("0.9.0", "kcat 0.9 lz4", "compression.codec=lz4"), Generation.MessageFormat0);

/// <summary>kafka-node 5.0.0 (npm): Kafka 0.9-0.10 protocol by ApiVersions, message format 1, gzip.</summary>
public sealed class KafkaNodeScenarios(OldClientCluster fixture) : OldClientScenarios(fixture,
    ScriptDriver.KafkaNode, ScriptDriver.KafkaNode.With("kafka-node gzip", "--compression", "gzip"), Generation.MessageFormat1);
