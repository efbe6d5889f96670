using Tributary.Protocol;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>Fetch over the wire: long poll, byte limits, whole batches, sessionless answers.</summary>
public class FetchTests : IAsyncLifetime
{
    private const short Version = 12;
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync();
        await _cluster.CreateTopicAsync("t", partitions: 2);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>A batch stamped now: the topic's 7-day retention would delete one stamped in 1970 right after the append.</summary>
    private static byte[] Batch(int count = 1, int valueSize = 10) =>
        TestBatches.Create(count, valueSize, timestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private Task<RawKafkaSocket> ConnectAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);

    private async Task ProduceAsync(int partition, byte[] batch)
    {
        using var socket = await ConnectAsync();
        var request = new ProduceRequest { Acks = 1, TopicData = [new() { Name = "t", PartitionData = [new() { Index = partition, Records = batch }] }] };
        var response = await RawRequests.RoundTripAsync<ProduceResponse>(socket, request, 9);
        Assert.Equal((short)ErrorCode.None, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    private static FetchRequest Fetch(int maxWaitMs, int minBytes, int maxBytes, int partitionMaxBytes, params (int Partition, long Offset)[] partitions) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = minBytes,
        MaxBytes = maxBytes,
        SessionId = 0,
        SessionEpoch = -1,
        Topics = [new() { Topic = "t", Partitions = partitions.Select(p => new FetchRequest.FetchPartition { Partition = p.Partition, FetchOffset = p.Offset, PartitionMaxBytes = partitionMaxBytes }).ToList() }],
    };

    [Fact]
    public async Task A_long_poll_wakes_as_soon_as_data_arrives()
    {
        using var consumer = await ConnectAsync();
        // A minute of max wait: an answer within the test's timeout can only come from the append.
        await consumer.SendFrameAsync(RawRequests.Encode(Fetch(60_000, 1, 1 << 20, 1 << 20, (0, 0)), Version));
        var answer = consumer.ReadFrameAsync();
        await Task.Delay(50);
        Assert.False(answer.IsCompleted);

        await ProduceAsync(0, Batch(2));

        var frame = await answer.WaitAsync(TimeSpan.FromSeconds(20));
        var response = RawRequests.Decode<FetchResponse>(frame!, ApiKey.Fetch, Version);
        var data = response.Responses.Single().Partitions.Single();
        Assert.Equal(2, data.HighWatermark);
        Assert.Equal(2, new RecordBatchHeader(data.Records!.Value.Span).RecordCount);
        Assert.Equal(0, response.SessionId);
    }

    [Fact]
    public async Task Byte_limits_return_whole_batches_and_at_least_the_first_one()
    {
        var batch = Batch(1, valueSize: 500);
        for (var i = 0; i < 3; i++) await ProduceAsync(0, batch);
        await ProduceAsync(1, batch);
        using var consumer = await ConnectAsync();

        // Smaller than one batch: the first partition still gets one whole batch, the next nothing.
        var tiny = await RawRequests.RoundTripAsync<FetchResponse>(consumer, Fetch(0, 1, 10, 10, (0, 0), (1, 0)), Version);
        Assert.Equal(batch.Length, tiny.Responses[0].Partitions[0].Records!.Value.Length);
        Assert.Equal(0, tiny.Responses[0].Partitions[1].Records!.Value.Length);
        Assert.Equal(1, tiny.Responses[0].Partitions[1].HighWatermark);

        // Per-partition limit of two batches and a half: two whole batches.
        var twoAndAHalf = batch.Length * 5 / 2;
        var limited = await RawRequests.RoundTripAsync<FetchResponse>(consumer, Fetch(0, 1, 1 << 20, twoAndAHalf, (0, 0), (1, 0)), Version);
        Assert.Equal(2 * batch.Length, limited.Responses[0].Partitions[0].Records!.Value.Length);
        Assert.Equal(batch.Length, limited.Responses[0].Partitions[1].Records!.Value.Length);
    }

    [Fact]
    public async Task Offsets_out_of_range_and_unknown_sessions_get_their_errors()
    {
        await ProduceAsync(0, Batch(1));
        using var consumer = await ConnectAsync();

        var outOfRange = await RawRequests.RoundTripAsync<FetchResponse>(consumer, Fetch(0, 1, 1 << 20, 1 << 20, (0, 5)), Version);
        Assert.Equal((short)ErrorCode.OffsetOutOfRange, outOfRange.Responses[0].Partitions[0].ErrorCode);

        var request = Fetch(0, 1, 1 << 20, 1 << 20, (0, 0));
        request.SessionId = 42;
        request.SessionEpoch = 3;
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await RawRequests.RoundTripAsync<FetchResponse>(consumer, request, Version)).ErrorCode);
    }
}
