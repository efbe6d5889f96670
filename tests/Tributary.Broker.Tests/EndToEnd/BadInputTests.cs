using System.Buffers.Binary;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Bytes no real client sends, over raw sockets: each gets Kafka's error code or a closed connection, and a
/// second, healthy connection keeps being served.
/// </summary>
public class BadInputTests : IAsyncLifetime
{
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { AutoCreateTopics = false });
        await _cluster.CreateTopicAsync("small", configs: new Dictionary<string, string> { ["max.message.bytes"] = "200" });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<RawKafkaSocket> ConnectAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);

    private async Task AssertBrokerStillServesAsync()
    {
        using var healthy = await ConnectAsync();
        var response = await RawRequests.RoundTripAsync<ApiVersionsResponse>(healthy, RawRequests.ApiVersions(), 3);
        Assert.Equal((short)ErrorCode.None, response.ErrorCode);
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(healthy, new MetadataRequest { Topics = null }, 12);
        Assert.Contains(metadata.Topics, t => t.Name == "small");
    }

    private async Task AssertClosedAsync(byte[] bytes)
    {
        using var bad = await ConnectAsync();
        await bad.SendAsync(bytes);
        Assert.True(await bad.IsClosedByBrokerAsync());
        await AssertBrokerStillServesAsync();
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    [Fact]
    public Task Garbage_closes_the_connection() =>
        AssertClosedAsync(Frame(Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray()));

    [Fact]
    public Task A_two_gigabyte_length_closes_the_connection() => AssertClosedAsync([0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);

    [Fact]
    public async Task A_truncated_frame_harms_nobody()
    {
        var bad = await ConnectAsync();
        var frame = Frame(RawRequests.Encode(new MetadataRequest(), 4));
        await bad.SendAsync(frame[..^3]);
        bad.Dispose();
        await AssertBrokerStillServesAsync();
    }

    [Fact]
    public Task A_truncated_body_inside_a_whole_frame_closes_the_connection() =>
        AssertClosedAsync(Frame(RawRequests.Encode(new MetadataRequest { Topics = [new() { Name = "small" }] }, 4)[..^3]));

    [Fact]
    public Task An_unknown_api_key_closes_the_connection() => AssertClosedAsync(Frame(RawRequests.HeaderOnly(apiKey: 999, version: 0)));

    [Fact]
    public Task An_unsupported_version_of_another_api_closes_the_connection() =>
        AssertClosedAsync(Frame(RawRequests.HeaderOnly((short)ApiKey.Metadata, version: 99)));

    [Fact]
    public async Task An_unsupported_ApiVersions_version_gets_the_v0_fallback_answer()
    {
        using var client = await ConnectAsync();
        await client.SendFrameAsync(RawRequests.HeaderOnly((short)ApiKey.ApiVersions, version: 99, correlationId: 7));

        var response = RawRequests.Decode<ApiVersionsResponse>((await client.ReadFrameAsync())!, ApiKey.ApiVersions, 0, correlationId: 7);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        var apiVersions = response.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.ApiVersions);
        Assert.Equal((0, 4), (apiVersions.MinVersion, apiVersions.MaxVersion));
        // The connection stays usable: the client retries with a version both sides know.
        Assert.Equal((short)ErrorCode.None, (await RawRequests.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 0)).ErrorCode);
    }

    private async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(string topic, byte[] records)
    {
        using var client = await ConnectAsync();
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = 0, Records = records }] }],
        };
        var response = await RawRequests.RoundTripAsync<ProduceResponse>(client, request, 9);
        await AssertBrokerStillServesAsync();
        return response.Responses.Single().PartitionResponses.Single();
    }

    [Fact]
    public async Task A_bad_crc_is_a_corrupt_message()
    {
        var batch = TestBatches.Create(3);
        batch[^2] ^= 0x10;
        Assert.Equal((short)ErrorCode.CorruptMessage, (await ProduceAsync("small", batch)).ErrorCode);
    }

    [Fact]
    public async Task A_batch_over_max_message_bytes_is_too_large()
    {
        Assert.Equal((short)ErrorCode.MessageTooLarge, (await ProduceAsync("small", TestBatches.Create(1, valueSize: 300))).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await ProduceAsync("small", TestBatches.Create(1, valueSize: 10))).ErrorCode);
    }

    [Fact]
    public async Task A_message_set_in_a_produce_of_v3_or_later_is_an_invalid_record()
    {
        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync("small", TestBatches.Create(magic: 1))).ErrorCode);
    }

    [Fact]
    public async Task A_missing_topic_is_unknown_when_auto_create_is_off()
    {
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await ProduceAsync("missing", TestBatches.Create())).ErrorCode);
    }

    [Fact]
    public async Task Random_bodies_for_every_api_are_answered_or_dropped_and_harm_nobody()
    {
        // A fixed seed: the same bodies every run (a random long poll or rebalance wait would otherwise be possible).
        var random = new Random(20261123);
        using var versions = await ConnectAsync();
        var apis = (await RawRequests.RoundTripAsync<ApiVersionsResponse>(versions, RawRequests.ApiVersions(), 3)).ApiKeys;
        foreach (var api in apis)
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var version = (short)random.Next(api.MinVersion, api.MaxVersion + 1);
                var body = new byte[random.Next(0, 64)];
                random.NextBytes(body);
                using var client = await ConnectAsync();
                await client.SendFrameAsync([.. RawRequests.HeaderOnly(api.ApiKey, version), .. body]);
                // Either an answer or a closed connection, and the broker goes on.
                await client.ReadFrameAsync();
            }
        }
        await AssertBrokerStillServesAsync();
    }
}
