using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>Idempotent produce over the wire, as a client that resends a batch sees it.</summary>
public sealed class IdempotentProduceTests : IAsyncLifetime
{
    private const short Version = 9;
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync();
        await _cluster.CreateTopicAsync("t");
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_resent_batch_is_answered_with_success_and_the_offset_it_was_first_written_at_and_is_stored_once()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var init = await RawRequests.RoundTripAsync<InitProducerIdResponse>(socket, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 }, 4);
        Assert.Equal((short)ErrorCode.None, init.ErrorCode);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        byte[] Batch(int sequence) => TestBatches.Create(count: 2, timestamp: now, producerId: init.ProducerId, producerEpoch: init.ProducerEpoch, baseSequence: sequence);

        var first = await ProduceAsync(socket, Batch(0));
        var second = await ProduceAsync(socket, Batch(2));
        var resent = await ProduceAsync(socket, Batch(0));

        // Kafka answers a duplicate of one of the producer's last five batches as if it were written now: no error,
        // the original offsets (librdkafka and the Java client also accept DUPLICATE_SEQUENCE_NUMBER, older clients not).
        Assert.Equal((ErrorCode.None, 0L), first);
        Assert.Equal((ErrorCode.None, 2L), second);
        Assert.Equal((ErrorCode.None, 0L), resent);
        Assert.Equal(4, await EndOffsetAsync(socket));
    }

    private static async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(RawKafkaSocket socket, byte[] batch)
    {
        var request = new ProduceRequest { Acks = -1, TimeoutMs = 10_000, TopicData = [new() { Name = "t", PartitionData = [new() { Index = 0, Records = batch }] }] };
        var response = await RawRequests.RoundTripAsync<ProduceResponse>(socket, request, Version);
        var partition = response.Responses[0].PartitionResponses[0];
        return ((ErrorCode)partition.ErrorCode, partition.BaseOffset);
    }

    private static async Task<long> EndOffsetAsync(RawKafkaSocket socket)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }],
        };
        var response = await RawRequests.RoundTripAsync<ListOffsetsResponse>(socket, request, 7);
        return response.Topics[0].Partitions[0].Offset;
    }
}
