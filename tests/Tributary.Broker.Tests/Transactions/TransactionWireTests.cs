using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>The transaction APIs over the wire, at the versions old and new clients send.</summary>
public class TransactionWireTests : IAsyncLifetime
{
    private EmbeddedKafkaCluster _cluster = null!;
    private RawKafkaSocket _socket = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 1 });
        await _cluster.CreateTopicAsync("topic", partitions: 2);
        _socket = await RawKafkaSocket.ConnectAsync(_cluster.Brokers[0].Host, _cluster.Brokers[0].Port);
    }

    public async Task DisposeAsync()
    {
        _socket.Dispose();
        await _cluster.DisposeAsync();
    }

    private Task<T> SendAsync<T>(IKafkaRequest request, short version) where T : IKafkaResponse => RawRequests.RoundTripAsync<T>(_socket, request, version);

    private Task<InitProducerIdResponse> InitAsync(short version, string transactionalId = "tx", int timeoutMs = 60_000) =>
        SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = timeoutMs }, version);

    private Task<AddPartitionsToTxnResponse> AddAsync(InitProducerIdResponse producer, short version, string topic = "topic") =>
        SendAsync<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tx", V3AndBelowProducerId = producer.ProducerId, V3AndBelowProducerEpoch = producer.ProducerEpoch,
            V3AndBelowTopics = [new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = topic, Partitions = [0, 1] }],
        }, version);

    private static IEnumerable<short> PartitionErrors(AddPartitionsToTxnResponse response) =>
        response.ResultsByTopicV3AndBelow.SelectMany(t => t.ResultsByPartition).Select(p => p.PartitionErrorCode);

    [Fact]
    public async Task ApiVersions_advertises_the_classic_transaction_apis_and_no_transaction_version_feature()
    {
        var response = await SendAsync<ApiVersionsResponse>(RawRequests.ApiVersions(), 3);
        var ranges = response.ApiKeys.ToDictionary(k => (ApiKey)k.ApiKey, k => (k.MinVersion, k.MaxVersion));

        Assert.Equal(((short)0, (short)3), ranges[ApiKey.AddPartitionsToTxn]);
        Assert.Equal(((short)0, (short)5), ranges[ApiKey.InitProducerId]);
        Assert.Contains(ApiKey.AddOffsetsToTxn, ranges.Keys);
        Assert.Contains(ApiKey.EndTxn, ranges.Keys);
        Assert.Contains(ApiKey.TxnOffsetCommit, ranges.Keys);
        Assert.Contains(ApiKey.DescribeTransactions, ranges.Keys);
        Assert.Contains(ApiKey.ListTransactions, ranges.Keys);
        Assert.Contains(ApiKey.DescribeProducers, ranges.Keys);
        Assert.DoesNotContain(ApiKey.WriteTxnMarkers, ranges.Keys);
        Assert.DoesNotContain(response.FinalizedFeatures, f => f.Name == "transaction.version");
    }

    [Fact]
    public async Task Old_versions_hear_INVALID_PRODUCER_EPOCH_where_new_ones_hear_PRODUCER_FENCED()
    {
        var zombie = await InitAsync(version: 4);
        await InitAsync(version: 4);

        Assert.All(PartitionErrors(await AddAsync(zombie, version: 1)), e => Assert.Equal((short)ErrorCode.InvalidProducerEpoch, e));
        Assert.All(PartitionErrors(await AddAsync(zombie, version: 2)), e => Assert.Equal((short)ErrorCode.ProducerFenced, e));
        var end = new EndTxnRequest { TransactionalId = "tx", ProducerId = zombie.ProducerId, ProducerEpoch = zombie.ProducerEpoch, Committed = true };
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, (await SendAsync<EndTxnResponse>(end, 1)).ErrorCode);
        Assert.Equal((short)ErrorCode.ProducerFenced, (await SendAsync<EndTxnResponse>(end, 3)).ErrorCode);
        var recover = new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 1_000, ProducerId = zombie.ProducerId, ProducerEpoch = zombie.ProducerEpoch };
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, (await SendAsync<InitProducerIdResponse>(recover, 3)).ErrorCode);
        Assert.Equal((short)ErrorCode.ProducerFenced, (await SendAsync<InitProducerIdResponse>(recover, 4)).ErrorCode);
    }

    [Fact]
    public async Task Bad_requests_get_kafkas_errors()
    {
        Assert.Equal((short)ErrorCode.InvalidTransactionTimeout, (await InitAsync(version: 1, timeoutMs: 16 * 60 * 1000)).ErrorCode);
        var producer = await InitAsync(version: 1);
        var unknownTopic = await AddAsync(producer, version: 3, topic: "missing");
        Assert.All(PartitionErrors(unknownTopic), e => Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, e));

        var mixed = await SendAsync<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tx", V3AndBelowProducerId = producer.ProducerId, V3AndBelowProducerEpoch = producer.ProducerEpoch,
            V3AndBelowTopics =
            [
                new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = "topic", Partitions = [0] },
                new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = "missing", Partitions = [0] },
            ],
        }, 0);
        Assert.Equal([(short)ErrorCode.OperationNotAttempted, (short)ErrorCode.UnknownTopicOrPartition], PartitionErrors(mixed));

        var endUnknown = new EndTxnRequest { TransactionalId = "nobody", ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Committed = true };
        Assert.Equal((short)ErrorCode.InvalidProducerIdMapping, (await SendAsync<EndTxnResponse>(endUnknown, 0)).ErrorCode);
        var endEarly = new EndTxnRequest { TransactionalId = "tx", ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Committed = true };
        Assert.Equal((short)ErrorCode.InvalidTxnState, (await SendAsync<EndTxnResponse>(endEarly, 3)).ErrorCode);
    }

    [Fact]
    public async Task Offsets_of_a_transaction_are_unstable_for_require_stable_fetches_until_it_commits()
    {
        var producer = await InitAsync(version: 3);
        var addOffsets = new AddOffsetsToTxnRequest { TransactionalId = "tx", ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, GroupId = "readers" };
        Assert.Equal((short)ErrorCode.None, (await SendAsync<AddOffsetsToTxnResponse>(addOffsets, 3)).ErrorCode);
        var commit = await SendAsync<TxnOffsetCommitResponse>(new TxnOffsetCommitRequest
        {
            TransactionalId = "tx", GroupId = "readers", ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch,
            Topics =
            [
                new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic
                {
                    Name = "topic", Partitions = [new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition { PartitionIndex = 1, CommittedOffset = 9 }],
                },
                new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic
                {
                    Name = "missing", Partitions = [new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 1 }],
                },
            ],
        }, 3);
        Assert.Equal([(short)ErrorCode.None, (short)ErrorCode.UnknownTopicOrPartition], commit.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode));

        Assert.Equal(((short)ErrorCode.UnstableOffsetCommit, -1L), await FetchAsync());
        var end = new EndTxnRequest { TransactionalId = "tx", ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Committed = true };
        Assert.Equal((short)ErrorCode.None, (await SendAsync<EndTxnResponse>(end, 3)).ErrorCode);
        Assert.Equal(((short)ErrorCode.None, 9L), await FetchAsync());

        async Task<(short, long)> FetchAsync()
        {
            var response = await SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
            {
                GroupId = "readers", RequireStable = true,
                Topics = [new OffsetFetchRequest.OffsetFetchRequestTopic { Name = "topic", PartitionIndexes = [1] }],
            }, 7);
            var partition = response.Topics.Single().Partitions.Single();
            return (partition.ErrorCode, partition.CommittedOffset);
        }
    }

    [Fact]
    public async Task Tooling_describes_and_lists_transactions_and_producers()
    {
        var producer = await InitAsync(version: 4);
        await AddAsync(producer, version: 3);

        var described = (await SendAsync<DescribeTransactionsResponse>(new DescribeTransactionsRequest { TransactionalIds = ["tx", "nobody"] }, 0)).TransactionStates;
        Assert.Equal(("Ongoing", producer.ProducerId, 60_000), (described[0].TransactionState, described[0].ProducerId, described[0].TransactionTimeoutMs));
        Assert.Equal([0, 1], described[0].Topics.Single().Partitions);
        Assert.Equal((short)ErrorCode.TransactionalIdNotFound, described[1].ErrorCode);

        var listed = await SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { StateFilters = ["Ongoing", "Bogus"] }, 1);
        Assert.Equal(["tx"], listed.TransactionStates.Select(t => t.TransactionalId));
        Assert.Equal(["Bogus"], listed.UnknownStateFilters);

        var producers = await SendAsync<DescribeProducersResponse>(new DescribeProducersRequest
        {
            Topics = [new DescribeProducersRequest.TopicRequest { Name = "topic", PartitionIndexes = [0] }],
        }, 0);
        var partition = producers.Topics.Single().Partitions.Single();
        Assert.Equal((short)ErrorCode.None, partition.ErrorCode);
        Assert.Empty(partition.ActiveProducers);
    }
}
