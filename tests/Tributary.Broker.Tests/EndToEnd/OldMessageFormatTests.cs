using System.Text;
using Tributary.Broker.Tests.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>One cluster for the old message format tests; each test uses topics of its own.</summary>
public sealed class OldFormatCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EmbeddedKafkaCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Produce v0-2 with message sets of format 0 and 1 and Fetch v0-3, over raw sockets: what goes in comes back in
/// the format the version reads, offsets assigned by the broker, and the refusals Kafka 3.x answers, including the
/// records each produce version may carry (exactly one batch from v3, zstd from v7).
/// </summary>
public class OldMessageFormatTests(OldFormatCluster fixture) : IClassFixture<OldFormatCluster>
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private static readonly Dictionary<string, string> KeepForever = new() { ["retention.ms"] = "-1" };

    private EmbeddedKafkaCluster Cluster => fixture.Cluster;

    private async Task<string> TopicAsync(Dictionary<string, string>? configs = null, [System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        var topic = name.Replace('_', '-').ToLowerInvariant();
        await Cluster.CreateTopicAsync(topic, configs: new Dictionary<string, string>(KeepForever.Concat(configs ?? [])));
        return topic;
    }

    private Task<RawKafkaSocket> ConnectAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", Cluster.Brokers[0].Port);

    /// <summary>A message set of <paramref name="values"/> (key "k{i}"), written as kafka-python and Kafka 0.10 write them.</summary>
    private static byte[] MessageSet(sbyte magic, CompressionCodec codec, params string[] values)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new LegacyMessageSetBuilder(output, magic, codec))
        {
            for (var i = 0; i < values.Length; i++)
            {
                builder.Append(i, Now + i, Encoding.UTF8.GetBytes($"k{i}"), false, Encoding.UTF8.GetBytes(values[i]), false);
            }
            builder.Complete();
        }
        return output.ToArray();
    }

    private async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(string topic, short version, byte[] records)
    {
        using var socket = await ConnectAsync();
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 5_000, TopicData = [new() { Name = topic, PartitionData = [new() { Index = 0, Records = records }] }] };
        var response = await RawRequests.RoundTripAsync<ProduceResponse>(socket, request, version);
        return response.Responses.Single().PartitionResponses.Single();
    }

    private async Task<FetchResponse.PartitionData> FetchAsync(string topic, short version, long offset = 0, int partitionMaxBytes = 1 << 20)
    {
        using var socket = await ConnectAsync();
        var request = new FetchRequest
        {
            ReplicaId = -1, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, SessionEpoch = -1,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }] }],
        };
        var response = await RawRequests.RoundTripAsync<FetchResponse>(socket, request, version);
        return response.Responses.Single().Partitions.Single();
    }

    /// <summary>Every record of a fetched message set with wrappers opened: offset, timestamp, key, value.</summary>
    private static List<(long Offset, long Timestamp, string? Key, string? Value)> ReadMessages(ReadOnlyMemory<byte> set)
    {
        var result = new List<(long, long, string?, string?)>();
        foreach (var entry in LegacyMessageSet.ReadEntries(set, allowPartialTail: true))
        {
            entry.Validate();
            if (entry.Compression == CompressionCodec.None)
            {
                result.Add((entry.Offset, entry.Timestamp, Text(entry.Key, entry.IsKeyNull), Text(entry.Value, entry.IsValueNull)));
                continue;
            }
            using var inner = LegacyMessageSet.OpenWrapper(entry);
            result.AddRange(inner.Records.Select(r => (r.Offset, r.Timestamp, Text(r.Message.Key, r.Message.IsKeyNull), Text(r.Message.Value, r.Message.IsValueNull))));
        }
        return result;
    }

    private static string? Text(ReadOnlyMemory<byte> bytes, bool isNull) => isNull ? null : Encoding.UTF8.GetString(bytes.Span);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    public async Task An_uncompressed_message_set_produced_in_an_old_version_is_fetched_back_byte_for_byte(short version, int magic)
    {
        var topic = await TopicAsync(name: $"same-bytes-v{version}");
        var set = MessageSet((sbyte)magic, CompressionCodec.None, "a", "bb", "ccc");

        var produced = await ProduceAsync(topic, version, set);
        var fetched = await FetchAsync(topic, (short)(version == 2 ? 2 : 0));

        Assert.Equal((short)ErrorCode.None, produced.ErrorCode);
        Assert.Equal(0, produced.BaseOffset);
        Assert.Equal(3, fetched.HighWatermark);
        Assert.Equal(set, fetched.Records!.Value.ToArray());
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    public async Task A_compressed_wrapper_is_stored_as_a_compressed_batch_and_read_by_old_and_new_fetches(CompressionCodec codec)
    {
        var topic = await TopicAsync(name: $"wrapper-{codec}");
        await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.None, "first"));

        var produced = await ProduceAsync(topic, 2, MessageSet(1, codec, "x", "y"));
        var v1 = ReadMessages((await FetchAsync(topic, 3)).Records!.Value);
        var v0 = ReadMessages((await FetchAsync(topic, 1)).Records!.Value);
        var stored = (await FetchAsync(topic, 4, offset: 1)).Records!.Value;

        Assert.Equal(1, produced.BaseOffset);
        Assert.Equal([(0L, Now, "k0", "first"), (1, Now, "k0", "x"), (2, Now + 1, "k1", "y")], v1.Select(m => (m.Offset, m.Timestamp, m.Key, m.Value)));
        Assert.Equal([0L, 1, 2], v0.Select(m => m.Offset));
        Assert.All(v0, m => Assert.Equal(-1, m.Timestamp));
        var batch = RecordBatch.Read(stored);
        Assert.Equal(codec, batch.Header.Compression);
        Assert.Equal(1, batch.Header.BaseOffset);
        Assert.Equal(2, batch.Header.RecordCount);
    }

    [Fact]
    public async Task Magic_zero_lz4_with_the_old_header_checksum_is_accepted()
    {
        var topic = await TopicAsync();

        var produced = await ProduceAsync(topic, 1, MessageSet(0, CompressionCodec.Lz4, "x", "y"));

        Assert.Equal((short)ErrorCode.None, produced.ErrorCode);
        Assert.Equal(["x", "y"], ReadMessages((await FetchAsync(topic, 0)).Records!.Value).Select(m => m.Value));
    }

    [Fact]
    public async Task Record_batches_with_headers_reach_old_fetches_without_their_headers()
    {
        var topic = await TopicAsync();
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output))
        {
            builder.Append(Now, Encoding.UTF8.GetBytes("key"), Encoding.UTF8.GetBytes("value"), [new RecordHeader("h", Encoding.UTF8.GetBytes("header value"))]);
            builder.Complete();
        }
        await ProduceAsync(topic, 9, output.ToArray());

        var v0 = (await FetchAsync(topic, 0)).Records!.Value;
        var v2 = (await FetchAsync(topic, 2)).Records!.Value;

        Assert.Equal((0L, -1L, "key", "value"), Assert.Single(ReadMessages(v0)));
        Assert.Equal((0L, Now, "key", "value"), Assert.Single(ReadMessages(v2)));
        Assert.Equal(0, LegacyMessageSet.ReadEntries(v0)[0].Magic);
        Assert.Equal(1, LegacyMessageSet.ReadEntries(v2)[0].Magic);
    }

    [Fact]
    public async Task Old_fetches_skip_transaction_markers_and_see_aborted_records_as_kafka_serves_them()
    {
        var topic = await TopicAsync();
        var clients = new TransactionalClients(Cluster);
        using (var producer = clients.TransactionalProducer($"{topic}-tx"))
        {
            await TransactionalClients.ProduceInTransactionAsync(producer, topic, ["committed"], commit: true);
            await TransactionalClients.ProduceInTransactionAsync(producer, topic, ["aborted"], commit: false);
        }

        var fetched = await FetchAsync(topic, 3);

        // Offsets 1 and 3 hold the markers; clients of these versions cannot ask for read_committed.
        Assert.Equal([(0L, "committed"), (2, "aborted")], ReadMessages(fetched.Records!.Value).Select(m => (m.Offset, m.Value)));
        Assert.Equal(4, fetched.HighWatermark);
    }

    [Fact]
    public async Task An_old_fetch_honours_its_size_limit_but_always_gets_the_first_batch()
    {
        var topic = await TopicAsync();
        foreach (var value in new[] { "a", "b", "c" }) await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.None, new string(value[0], 100)));

        var all = await FetchAsync(topic, 2);
        var tiny = await FetchAsync(topic, 2, partitionMaxBytes: 10);
        var fromOffset = await FetchAsync(topic, 0, offset: 2);

        Assert.Equal(3, ReadMessages(all.Records!.Value).Count);
        Assert.Equal(0, Assert.Single(ReadMessages(tiny.Records!.Value)).Offset);
        Assert.Equal(2, Assert.Single(ReadMessages(fromOffset.Records!.Value)).Offset);
    }

    [Fact]
    public async Task Log_append_time_topics_give_old_fetches_the_append_time()
    {
        var topic = await TopicAsync(new() { ["message.timestamp.type"] = "LogAppendTime" });
        var produced = await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.Gzip, "x", "y"));

        var entry = Assert.Single(LegacyMessageSet.ReadEntries((await FetchAsync(topic, 2)).Records!.Value));

        Assert.True(produced.LogAppendTimeMs > 0);
        Assert.Equal(TimestampType.LogAppendTime, entry.TimestampType);
        Assert.Equal(produced.LogAppendTimeMs, entry.Timestamp);
    }

    [Fact]
    public async Task A_message_set_with_a_bad_crc_is_a_corrupt_message()
    {
        var topic = await TopicAsync();
        var set = MessageSet(1, CompressionCodec.None, "a");
        set[^1] ^= 0x01;

        Assert.Equal((short)ErrorCode.CorruptMessage, (await ProduceAsync(topic, 2, set)).ErrorCode);
    }

    [Fact]
    public async Task A_producer_set_log_append_time_is_an_invalid_timestamp()
    {
        var topic = await TopicAsync(new() { ["message.timestamp.type"] = "LogAppendTime" });
        using var output = new PooledBufferWriter();
        using (var builder = new LegacyMessageSetBuilder(output, 1, CompressionCodec.None, logAppendTime: Now))
        {
            builder.Append(0, Now, "k"u8, false, "v"u8, false);
        }

        Assert.Equal((short)ErrorCode.InvalidTimestamp, (await ProduceAsync(topic, 2, output.ToArray())).ErrorCode);
    }

    [Fact]
    public async Task A_message_set_in_produce_v3_or_later_is_an_invalid_record()
    {
        var topic = await TopicAsync();

        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(topic, 3, MessageSet(1, CompressionCodec.None, "a"))).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.None, "a"))).ErrorCode);
    }

    [Fact]
    public async Task Record_batches_in_old_produce_versions_are_accepted_as_kafka_accepts_them()
    {
        var topic = await TopicAsync();

        Assert.Equal((short)ErrorCode.None, (await ProduceAsync(topic, 0, TestBatches.Create(2, timestamp: Now))).ErrorCode);
        Assert.Equal(2, ReadMessages((await FetchAsync(topic, 0)).Records!.Value).Count);
    }

    [Fact]
    public async Task Old_fetches_of_a_topic_without_down_conversion_get_unsupported_version()
    {
        var topic = await TopicAsync(new() { ["message.downconversion.enable"] = "false" });
        await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.None, "a"));

        Assert.Equal((short)ErrorCode.UnsupportedVersion, (await FetchAsync(topic, 3)).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await FetchAsync(topic, 4)).ErrorCode);
    }

    [Fact]
    public async Task Zstd_data_is_refused_to_fetches_that_cannot_read_it()
    {
        var zstdTopic = await TopicAsync(new() { ["compression.type"] = "zstd" }, name: "zstd-topic");
        var producerTopic = await TopicAsync(name: "zstd-batches");
        var zstdBatch = TestRecord(CompressionCodec.Zstd);
        await ProduceAsync(producerTopic, 9, zstdBatch);

        Assert.Equal((short)ErrorCode.UnsupportedCompressionType, (await FetchAsync(zstdTopic, 9)).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await FetchAsync(zstdTopic, 10)).ErrorCode);
        Assert.Equal((short)ErrorCode.UnsupportedCompressionType, (await FetchAsync(producerTopic, 3)).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await FetchAsync(producerTopic, 4)).ErrorCode);
    }

    [Theory]
    [InlineData(3, ErrorCode.UnsupportedCompressionType)]
    [InlineData(6, ErrorCode.UnsupportedCompressionType)]
    [InlineData(7, ErrorCode.None)]
    public async Task A_zstd_batch_needs_produce_v7_as_kafka_refuses_it_in_older_versions(short version, ErrorCode expected)
    {
        // Sarama before 1.23 sends zstd in Produce v3, which Kafka 2.1+ refuses in ProduceRequest.validateRecords.
        var topic = await TopicAsync(name: $"zstd-produce-v{version}");

        var produced = await ProduceAsync(topic, version, TestRecord(CompressionCodec.Zstd));

        Assert.Equal((short)expected, produced.ErrorCode);
        Assert.Equal(expected == ErrorCode.None ? 1 : 0, (await FetchAsync(topic, 10)).HighWatermark);
    }

    [Fact]
    public async Task A_produce_of_v3_or_later_carries_exactly_one_batch_per_partition_but_older_versions_are_not_checked()
    {
        var topic = await TopicAsync();
        var two = TestBatches.Concat(TestRecord(CompressionCodec.None), TestRecord(CompressionCodec.Gzip));
        var batch = TestRecord(CompressionCodec.None);

        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(topic, 3, two)).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(topic, 9, [])).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(topic, 9, batch[..^1])).ErrorCode);
        Assert.Equal(0, (await FetchAsync(topic, 4)).HighWatermark);
        Assert.Equal((short)ErrorCode.None, (await ProduceAsync(topic, 2, two)).ErrorCode);
        Assert.Equal(2, (await FetchAsync(topic, 4)).HighWatermark);
    }

    [Fact]
    public async Task A_zstd_wrapper_in_an_old_message_set_is_an_invalid_record()
    {
        var topic = await TopicAsync();
        var set = MessageSet(1, CompressionCodec.Gzip, "a");
        set[LegacyMessageLayout.AttributesOffset] = (byte)CompressionCodec.Zstd;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(set.AsSpan(LegacyMessageLayout.CrcOffset),
            System.IO.Hashing.Crc32.HashToUInt32(set.AsSpan(LegacyMessageLayout.MagicOffset)));

        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(topic, 2, set)).ErrorCode);
    }

    private static byte[] TestRecord(CompressionCodec codec)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, new RecordBatchOptions { Compression = codec }))
        {
            builder.Append(Now, "k"u8.ToArray(), "v"u8.ToArray());
            builder.Complete();
        }
        return output.ToArray();
    }

    [Fact]
    public async Task List_offsets_v0_answers_up_to_max_num_offsets_newest_first()
    {
        var topic = await TopicAsync();
        await ProduceAsync(topic, 2, MessageSet(1, CompressionCodec.None, "a", "b"));
        using var socket = await ConnectAsync();

        async Task<List<long>> OffsetsAsync(long timestamp, int max)
        {
            var request = new ListOffsetsRequest { ReplicaId = -1, Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = timestamp, MaxNumOffsets = max }] }] };
            var response = await RawRequests.RoundTripAsync<ListOffsetsResponse>(socket, request, 0);
            return response.Topics.Single().Partitions.Single().OldStyleOffsets;
        }

        Assert.Equal([2L, 0], await OffsetsAsync(-1, 10));
        Assert.Equal([2L], await OffsetsAsync(-1, 1));
        Assert.Equal([0L], await OffsetsAsync(-2, 10));
        Assert.Empty(await OffsetsAsync(-1, 0));
    }

    [Theory]
    [InlineData("librdkafka", "2.0.2", ErrorCode.None)]
    [InlineData("confluent-kafka-python", "2.0.2-rdkafka-2.0.2", ErrorCode.None)]
    [InlineData("", "1.0", ErrorCode.InvalidRequest)]
    [InlineData("my client", "1.0", ErrorCode.InvalidRequest)]
    [InlineData("client", "1.0-", ErrorCode.InvalidRequest)]
    public async Task Api_versions_v3_checks_the_client_software_name_and_version(string name, string version, ErrorCode expected)
    {
        using var socket = await ConnectAsync();

        var response = await RawRequests.RoundTripAsync<ApiVersionsResponse>(socket, new ApiVersionsRequest { ClientSoftwareName = name, ClientSoftwareVersion = version }, 3);

        Assert.Equal((short)expected, response.ErrorCode);
        Assert.Equal(expected == ErrorCode.None, response.ApiKeys.Count > 0);
    }

    [Theory]
    [InlineData("0.10.2", true)]
    [InlineData("0.11.0-IV2", true)]
    [InlineData("2.8.1", true)]
    [InlineData("3.0-IV1", true)]
    [InlineData("0.10.3", false)]
    [InlineData("banana", false)]
    public async Task Message_format_version_is_accepted_as_kafka_3_accepts_it(string value, bool valid)
    {
        Task Create() => Cluster.CreateTopicAsync($"format-{value.Replace('.', '-')}", configs: new Dictionary<string, string> { ["message.format.version"] = value });

        if (valid) await Create();
        else Assert.Contains("InvalidConfig", (await Assert.ThrowsAsync<EmbeddedKafkaException>(Create)).Message);
    }

    [Fact]
    public async Task Describe_configs_lists_the_old_format_configs_with_kafka_3_defaults()
    {
        var topic = await TopicAsync(new() { ["message.format.version"] = "0.10.2" });
        using var socket = await ConnectAsync();
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = ["message.format.version", "message.downconversion.enable"] }] };

        var configs = (await RawRequests.RoundTripAsync<DescribeConfigsResponse>(socket, request, 4)).Results.Single().Configs.ToDictionary(c => c.Name);

        Assert.Equal("0.10.2", configs["message.format.version"].Value);
        Assert.Equal(1, configs["message.format.version"].ConfigSource); // TOPIC_CONFIG
        Assert.Equal("true", configs["message.downconversion.enable"].Value);
        Assert.Equal(5, configs["message.downconversion.enable"].ConfigSource); // DEFAULT_CONFIG
    }

    [Fact]
    public async Task A_topic_with_an_old_message_format_version_still_stores_record_batches()
    {
        var topic = await TopicAsync(new() { ["message.format.version"] = "0.9.0" });
        await ProduceAsync(topic, 1, MessageSet(0, CompressionCodec.None, "a"));

        var stored = (await FetchAsync(topic, 4)).Records!.Value;

        Assert.Equal((sbyte)RecordBatchLayout.CurrentMagic, RecordBatch.Read(stored).Header.Magic);
    }
}
