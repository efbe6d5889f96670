using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Log.Storage;
using Tributary.Broker.Security;
using AclBinding = Tributary.Broker.Security.AclBinding;
using AclOperation = Tributary.Broker.Security.AclOperation;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// A cluster with a data directory, stopped and started again on it: what Confluent.Kafka (librdkafka) finds, and the
/// files the brokers wrote (Kafka's layout), also after they were damaged while the cluster was down.
/// </summary>
public sealed class DataDirectoryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tributary-data-" + Guid.NewGuid().ToString("N"));
    private EmbeddedKafkaCluster? _cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private EmbeddedKafkaOptions Options(int brokers) => new()
    {
        Brokers = brokers,
        DataDirectory = _directory,
        EnableAuthorizer = true,
        AllowEveryoneIfNoAclFound = true,
    };

    private async Task<EmbeddedKafkaCluster> StartAsync(int brokers = 1)
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        return _cluster = await EmbeddedKafkaCluster.StartAsync(Options(brokers));
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster!.BootstrapServers }).Build();

    private async Task ProduceAsync(string topic, int from, int count, int partitions = 1)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _cluster!.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = 0, MessageTimeoutMs = 20_000,
        }).Build();
        for (var i = from; i < from + count; i++)
            await producer.ProduceAsync(new TopicPartition(topic, i % partitions), new Message<string, string> { Key = $"k{i}", Value = $"value {i}" });
    }

    private List<ConsumeResult<string, string>> Consume(string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster!.BootstrapServers, GroupId = "readers", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) results.Add(result);
        }
        // Nothing more than expected: a short wait for any extra record.
        if (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { IsPartitionEOF: false } extra) results.Add(extra);
        return results;
    }

    private static IEnumerable<string> Values(IEnumerable<ConsumeResult<string, string>> results) =>
        results.OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Select(r => $"{r.Partition.Value}/{r.Offset.Value}/{r.Message.Key}/{r.Message.Value}");

    private string PartitionDirectory(int broker, string topic, int partition) => Path.Combine(_directory, $"broker-{broker}", $"{topic}-{partition}");

    [Fact]
    public async Task A_cluster_started_again_on_its_directory_has_its_topics_configs_records_acls_and_scram_users()
    {
        var cluster = await StartAsync(brokers: 2);
        using (var admin = Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = "orders", NumPartitions = 3, ReplicationFactor = 2, Configs = new() { ["retention.ms"] = "1000000", ["segment.bytes"] = "2000" },
            }]);
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Broker, Name = "1" }] = [new ConfigEntry { Name = "log.retention.bytes", Value = "123456789", IncrementalOperation = AlterConfigOpType.Set }],
            });
            await admin.AlterUserScramCredentialsAsync([new UserScramCredentialUpsertion
            {
                User = "carol", ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 8192 }, Password = "secret"u8.ToArray(),
            }]);
        }
        var acl = AclBinding.Allow("User:alice", AclOperation.Read, AclResourceType.Topic, "audit");
        await cluster.AddAclsAsync([acl]);
        await ProduceAsync("orders", 0, 60, partitions: 3);
        var before = Values(Consume("orders", 3, 60)).ToList();
        var (clusterId, topicId) = (cluster.ClusterId, cluster.DescribeTopics().Single(t => t.Name == "orders").Id);

        cluster = await StartAsync(brokers: 2);

        Assert.Equal(clusterId, cluster.ClusterId);
        var topic = Assert.Single(cluster.DescribeTopics(), t => t.Name == "orders");
        Assert.Equal((topicId, 3), (topic.Id, topic.Partitions.Count));
        Assert.Equal(before, Values(Consume("orders", 3, 60)));
        Assert.Contains(acl, cluster.GetAcls());
        using (var admin = Admin())
        {
            var configs = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "orders" }])).Single().Entries;
            Assert.Equal(("1000000", "2000"), (configs["retention.ms"].Value, configs["segment.bytes"].Value));
            var broker = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "1" }])).Single().Entries;
            Assert.Equal("123456789", broker["log.retention.bytes"].Value);
            var scram = (await admin.DescribeUserScramCredentialsAsync(["carol"])).UserScramCredentialsDescriptions.Single();
            Assert.Equal((ScramMechanism.ScramSha256, 8192), (scram.ScramCredentialInfos.Single().Mechanism, scram.ScramCredentialInfos.Single().Iterations));
        }
        // Producers go on where the log ended.
        await ProduceAsync("orders", 60, 3, partitions: 3);
        Assert.Equal(63, Consume("orders", 3, 63).Count);
    }

    [Fact]
    public async Task A_new_partition_holds_its_first_empty_segment_before_anything_is_written_as_kafkas_does()
    {
        var cluster = await StartAsync();
        await cluster.CreateTopicAsync("unwritten", partitions: 2);

        foreach (var partition in new[] { 0, 1 })
        {
            var directory = PartitionDirectory(1, "unwritten", partition);
            foreach (var extension in new[] { ".log", ".index", ".timeindex" })
                Assert.True(File.Exists(Path.Combine(directory, SegmentFile.FileName(0, extension))), $"{SegmentFile.FileName(0, extension)} in {directory}");
            Assert.Equal(0, new FileInfo(Path.Combine(directory, SegmentFile.FileName(0, ".log"))).Length);
        }
        await ProduceAsync("unwritten", 0, 10, partitions: 2);
        Assert.Equal(10, Consume("unwritten", 2, 10).Count);
    }

    [Fact]
    public async Task The_brokers_write_kafkas_layout_and_the_log_files_are_the_record_batches_consumers_read()
    {
        var cluster = await StartAsync();
        await cluster.CreateTopicAsync("events", partitions: 2, configs: new Dictionary<string, string> { ["segment.bytes"] = "1000" });
        await ProduceAsync("events", 0, 40, partitions: 2);
        var consumed = Consume("events", 2, 40);

        foreach (var partition in new[] { 0, 1 })
        {
            var directory = PartitionDirectory(1, "events", partition);
            var files = Directory.GetFiles(directory).Select(Path.GetFileName).ToList();
            Assert.Contains("leader-epoch-checkpoint", files);
            Assert.Contains("partition.metadata", files);
            var logs = files.Where(f => f!.EndsWith(".log", StringComparison.Ordinal)).Order().ToList();
            Assert.True(logs.Count > 1, "segment.bytes=1000 rolled the log");
            Assert.Equal("00000000000000000000.log", logs[0]);
            Assert.All(logs, log => Assert.Matches("^[0-9]{20}\\.log$", log));
            Assert.All(logs, log => Assert.Contains(Path.ChangeExtension(log, ".index"), files));
            Assert.All(logs, log => Assert.Contains(Path.ChangeExtension(log, ".timeindex"), files));
            var offsets = new List<long>();
            foreach (var log in logs)
            {
                var bytes = File.ReadAllBytes(Path.Combine(directory, log!));
                for (var position = 0; position < bytes.Length;)
                {
                    var header = new RecordBatchHeader(bytes.AsSpan(position));
                    Assert.Equal(header.Crc, header.ComputeCrc());
                    for (var offset = header.BaseOffset; offset <= header.LastOffset; offset++) offsets.Add(offset);
                    position += (int)header.TotalSize;
                }
            }
            Assert.Equal(consumed.Where(r => r.Partition.Value == partition).Select(r => r.Offset.Value).Order(), offsets);
        }
    }

    [Fact]
    public async Task A_torn_last_segment_is_cut_at_its_last_whole_batch_and_everything_before_it_survives()
    {
        var cluster = await StartAsync();
        await cluster.CreateTopicAsync("torn");
        await ProduceAsync("torn", 0, 10);
        await cluster.DisposeAsync();
        _cluster = null;
        // While the cluster is down the last batch loses its last bytes, as a write cut by a power failure would leave it.
        var file = Path.Combine(PartitionDirectory(1, "torn", 0), SegmentFile.FileName(0, ".log"));
        using (var stream = new FileStream(file, FileMode.Open)) stream.SetLength(stream.Length - 5);

        await StartAsync();

        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"0/{i}/k{i}/value {i}"), Values(Consume("torn", 1, 9)));
        await ProduceAsync("torn", 9, 1);
        Assert.Equal("0/9/k9/value 9", Values(Consume("torn", 1, 10)).Last());
    }

    [Fact]
    public async Task A_missing_index_is_rebuilt_when_the_cluster_starts()
    {
        var cluster = await StartAsync();
        await cluster.CreateTopicAsync("indexed", configs: new Dictionary<string, string> { ["index.interval.bytes"] = "100" });
        await ProduceAsync("indexed", 0, 20);
        await cluster.DisposeAsync();
        _cluster = null;
        var index = Path.Combine(PartitionDirectory(1, "indexed", 0), SegmentFile.FileName(0, ".index"));
        var before = File.ReadAllBytes(index);
        Assert.NotEmpty(before);
        File.Delete(index);

        await StartAsync();

        Assert.Equal(before, File.ReadAllBytes(index));
        Assert.Equal(20, Consume("indexed", 1, 20).Count);
    }

    [Fact]
    public async Task A_log_start_moved_inside_a_segment_and_the_high_watermark_survive_a_restart_through_kafkas_checkpoint_files()
    {
        var cluster = await StartAsync(brokers: 3);
        await cluster.CreateTopicAsync("trimmed", replicationFactor: 3);
        await ProduceAsync("trimmed", 0, 20);
        using (var admin = Admin())
        {
            // Offset 7 lies inside the only segment: only log-start-offset-checkpoint can remember it.
            var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset("trimmed", 0, 7)]);
            Assert.Equal(7, deleted.Single().Offset.Value);
        }
        var before = WatermarksOf("trimmed");
        Assert.Equal((7L, 20L), before);
        await cluster.DisposeAsync();
        _cluster = null;

        var brokerDirectory = Path.Combine(_directory, "broker-1");
        Assert.Equal(["0", "1", "trimmed 0 7"], File.ReadAllLines(Path.Combine(brokerDirectory, LogStorage.LogStartOffsetCheckpoint)));
        Assert.Contains("trimmed 0 20", File.ReadAllLines(Path.Combine(brokerDirectory, LogStorage.ReplicationOffsetCheckpoint)));
        Assert.Equal("0", File.ReadLines(Path.Combine(brokerDirectory, LogStorage.ReplicationOffsetCheckpoint)).First());

        await StartAsync(brokers: 3);

        var after = WatermarksOf("trimmed");
        Assert.Equal(7, after.Low);
        Assert.True(after.High >= before.High, $"the high watermark went back from {before.High} to {after.High}");
        Assert.Equal(Enumerable.Range(7, 13).Select(i => $"0/{i}/k{i}/value {i}"), Values(Consume("trimmed", 1, 13)));
    }

    /// <summary>ListOffsets earliest and latest of partition 0, as a client queries them.</summary>
    private (long Low, long High) WatermarksOf(string topic)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = _cluster!.BootstrapServers, GroupId = "watermarks" }).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Timeout);
        return (watermarks.Low.Value, watermarks.High.Value);
    }
}
