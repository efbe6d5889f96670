using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Broker.Cluster;
using Tributary.Protocol.Messages;
using ErrorCode = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>
/// The transaction coordinator answers only once its <c>__transaction_state</c> record is committed, as Kafka's
/// appendTransactionToLog: a follower of the id's partition held back delays InitProducerId, AddPartitionsToTxn and
/// EndTxn, and with min.insync.replicas unmet they fail with COORDINATOR_NOT_AVAILABLE and leave the transaction as it was.
/// </summary>
public sealed class TransactionLogReplicationTests : IAsyncLifetime
{
    private const string Topic = "payments";
    private static readonly TimeSpan HeldBack = TimeSpan.FromSeconds(1);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // The default replica.lag.time.max.ms (30 s) keeps a paused follower in the ISR for the whole test.
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await _cluster.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 1);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>The partition of <c>__transaction_state</c> that holds <paramref name="transactionalId"/>, and one follower of it.</summary>
    private (int Partition, int Leader, int Follower) StatePartition(string transactionalId)
    {
        var leader = _cluster.GetTransactionCoordinator(transactionalId);
        var partition = CoordinatorPlacement.PartitionFor(transactionalId, 50);
        var replicas = _cluster.DescribeTopics().Single(t => t.Name == CoordinatorPlacement.TransactionStateTopic).Partitions[partition].Replicas;
        return (partition, leader, replicas.First(r => r != leader));
    }

    private async Task<RawKafkaSocket> ConnectAsync(int brokerId)
    {
        var broker = _cluster.Brokers.Single(b => b.Id == brokerId);
        return await RawKafkaSocket.ConnectAsync(broker.Host, broker.Port);
    }

    private static Task<InitProducerIdResponse> InitAsync(RawKafkaSocket socket, string transactionalId) =>
        RawRequests.RoundTripAsync<InitProducerIdResponse>(socket, new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = 60_000 }, 4);

    private static async Task<short> AddAsync(RawKafkaSocket socket, string transactionalId, InitProducerIdResponse producer) =>
        (await RawRequests.RoundTripAsync<AddPartitionsToTxnResponse>(socket, new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = transactionalId, V3AndBelowProducerId = producer.ProducerId, V3AndBelowProducerEpoch = producer.ProducerEpoch,
            V3AndBelowTopics = [new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = Topic, Partitions = [0] }],
        }, 3)).ResultsByTopicV3AndBelow.Single().ResultsByPartition.Single().PartitionErrorCode;

    private static async Task<short> EndAsync(RawKafkaSocket socket, string transactionalId, InitProducerIdResponse producer, bool commit) =>
        (await RawRequests.RoundTripAsync<EndTxnResponse>(socket,
            new EndTxnRequest { TransactionalId = transactionalId, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Committed = commit }, 3)).ErrorCode;

    private static async Task<string> StateAsync(RawKafkaSocket socket, string transactionalId) =>
        (await RawRequests.RoundTripAsync<DescribeTransactionsResponse>(socket, new DescribeTransactionsRequest { TransactionalIds = [transactionalId] }, 0))
        .TransactionStates.Single().TransactionState;

    /// <summary>Asserts that <paramref name="answer"/> stays unanswered while the follower is held back, then that it succeeds once released.</summary>
    private async Task<T> AnsweredOnlyAfterReleaseAsync<T>(Task<T> answer, int follower)
    {
        await Task.Delay(HeldBack);
        Assert.False(answer.IsCompleted, "answered while a follower in the ISR lacked the record");
        _cluster.ResumeReplication(follower);
        return await answer.WaitAsync(Eventually.Patience);
    }

    [Fact]
    public async Task InitProducerId_and_EndTxn_answer_only_once_every_in_sync_replica_has_the_record()
    {
        const string id = "held-back";
        var (_, leader, follower) = StatePartition(id);
        using var socket = await ConnectAsync(leader);

        _cluster.PauseReplication(follower);
        var producer = await AnsweredOnlyAfterReleaseAsync(InitAsync(socket, id), follower);
        Assert.Equal((short)ErrorCode.None, producer.ErrorCode);

        _cluster.PauseReplication(follower);
        Assert.Equal((short)ErrorCode.None, await AnsweredOnlyAfterReleaseAsync(AddAsync(socket, id, producer), follower));

        _cluster.PauseReplication(follower);
        var end = EndAsync(socket, id, producer, commit: true);
        Assert.Equal((short)ErrorCode.None, await AnsweredOnlyAfterReleaseAsync(end, follower));
        Assert.Equal("CompleteCommit", await StateAsync(socket, id));
    }

    [Fact]
    public async Task With_min_insync_replicas_unmet_the_coordinator_answers_COORDINATOR_NOT_AVAILABLE_and_keeps_the_transaction_as_it_was()
    {
        const string id = "short-of-replicas";
        var (partition, leader, follower) = StatePartition(id);
        using var socket = await ConnectAsync(leader);
        var producer = await InitAsync(socket, id);
        Assert.Equal((short)ErrorCode.None, await AddAsync(socket, id, producer));

        // Kafka lets an admin change the configs of its internal topics: all three replicas must now have every write.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Topic, Name = CoordinatorPlacement.TransactionStateTopic }] =
                    [new ConfigEntry { Name = "min.insync.replicas", Value = "3", IncrementalOperation = AlterConfigOpType.Set }],
            });
        }
        await _cluster.StopBrokerAsync(follower);
        try
        {
            await Eventually.TrueAsync(() => _cluster.DescribeTopics().Single(t => t.Name == CoordinatorPlacement.TransactionStateTopic)
                .Partitions[partition].Isr.Count == 2, "the stopped follower left the ISR");

            Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, await EndAsync(socket, id, producer, commit: true));
            Assert.Equal("Ongoing", await StateAsync(socket, id));
            Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, (await InitAsync(socket, id)).ErrorCode);
        }
        finally
        {
            await _cluster.StartBrokerAsync(follower);
        }
        await Eventually.TrueAsync(() => _cluster.DescribeTopics().Single(t => t.Name == CoordinatorPlacement.TransactionStateTopic)
            .Partitions[partition].Isr.Count == 3, "the restarted follower rejoined the ISR");
        Assert.Equal((short)ErrorCode.None, await EndAsync(socket, id, producer, commit: true));
        Assert.Equal("CompleteCommit", await StateAsync(socket, id));
    }
}
