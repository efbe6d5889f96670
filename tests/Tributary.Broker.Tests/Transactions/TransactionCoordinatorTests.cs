using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Broker.Log;
using Tributary.Broker.Tests.Groups;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages.Internal;
using static Tributary.Broker.Tests.Transactions.TransactionalBatches;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>The coordinator's answers and transitions, on a manual clock.</summary>
public sealed class TransactionCoordinatorTests : IDisposable
{
    private const string Topic = "orders";
    private const string TxId = "tx";
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private readonly GroupTestKit _groups = new();
    private readonly ClusterController _cluster;
    private readonly TransactionCoordinator _coordinator;

    public TransactionCoordinatorTests()
    {
        _cluster = new ClusterController(ClusterSettings.From(new EmbeddedKafkaOptions()), [new BrokerNode(1, "127.0.0.1") { IsAlive = true }], NullLogger.Instance);
        _cluster.CreateTopic(new TopicSpec(Topic, Partitions: 2, ReplicationFactor: 1));
        _coordinator = new TransactionCoordinator(new TransactionCoordinatorOptions { MaxTimeout = TimeSpan.FromMinutes(1), AbortCheckInterval = CheckInterval },
            _cluster, _groups.Coordinator, _groups.Clock, NullLogger.Instance);
    }

    public void Dispose()
    {
        _coordinator.Dispose();
        _groups.Dispose();
    }

    // The coordinator answers once __transaction_state's in-sync replicas have its record: at once here, the leader being the only replica.
    private static T Answered<T>(Task<T> answer)
    {
        Assert.True(answer.IsCompleted, "answered at once, as the only replica has the record");
        return answer.Result;
    }

    private ProducerIdAndEpoch InitProducerId(string id, int timeoutMs, long producerId, short epoch) =>
        Answered(_coordinator.InitProducerIdAsync(id, timeoutMs, producerId, epoch));

    private ErrorCode AddPartitions(string id, long producerId, short epoch, IReadOnlyCollection<TopicPartition> partitions) =>
        Answered(_coordinator.AddPartitionsAsync(id, producerId, epoch, partitions));

    private ErrorCode AddOffsets(string id, long producerId, short epoch, string groupId) => Answered(_coordinator.AddOffsetsAsync(id, producerId, epoch, groupId));

    private ErrorCode EndTransaction(string id, long producerId, short epoch, bool commit) => Answered(_coordinator.EndTransactionAsync(id, producerId, epoch, commit));

    private PartitionLog Log(int partition) => _cluster.FindPartition(Topic, partition)!.LeaderLog!;
    private TransactionState State => _coordinator.Describe(TxId)!.State;

    private ProducerIdAndEpoch Init(int timeoutMs = 30_000, long producerId = -1, short epoch = -1)
    {
        var result = InitProducerId(TxId, timeoutMs, producerId, epoch);
        Assert.Equal(ErrorCode.None, result.Error);
        return result;
    }

    private ErrorCode Add(ProducerIdAndEpoch producer, params int[] partitions) =>
        AddPartitions(TxId, producer.ProducerId, producer.ProducerEpoch, partitions.Select(p => new TopicPartition(Topic, p)).ToList());

    private ErrorCode Produce(ProducerIdAndEpoch producer, int partition, int sequence) =>
        Log(partition).Append(Create(producer.ProducerId, producer.ProducerEpoch, sequence),
            new AppendOptions(0, 0, UseLogAppendTime: false, MaxMessageBytes: 1 << 20)).Error;

    private ErrorCode End(ProducerIdAndEpoch producer, bool commit) => EndTransaction(TxId, producer.ProducerId, producer.ProducerEpoch, commit);

    [Fact]
    public void A_transactional_id_keeps_its_producer_id_and_each_instance_gets_the_next_epoch()
    {
        var first = Init();
        var second = Init();
        Assert.Equal(0, first.ProducerEpoch);
        Assert.Equal(first.ProducerId, second.ProducerId);
        Assert.Equal(1, second.ProducerEpoch);
        Assert.Equal(TransactionState.Empty, State);
        Assert.NotEqual(first.ProducerId, InitProducerId("other", 1_000, -1, -1).ProducerId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(60_001)]
    public void A_timeout_out_of_range_is_refused(int timeoutMs)
    {
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, InitProducerId(TxId, timeoutMs, -1, -1).Error);
        Assert.Null(_coordinator.Describe(TxId));
    }

    [Fact]
    public void An_empty_transactional_id_or_half_a_producer_identity_is_an_invalid_request()
    {
        Assert.Equal(ErrorCode.InvalidRequest, InitProducerId("", 1_000, -1, -1).Error);
        Assert.Equal(ErrorCode.InvalidRequest, InitProducerId(TxId, 1_000, 5, -1).Error);
    }

    [Fact]
    public void A_commit_goes_Empty_Ongoing_CompleteCommit_and_writes_a_marker_to_every_partition()
    {
        var producer = Init();
        Assert.Equal(ErrorCode.None, Add(producer, 0, 1));
        Assert.Equal(TransactionState.Ongoing, State);
        Assert.Equal(ErrorCode.None, Produce(producer, 0, 0));
        Assert.Equal(0, Log(0).LastStableOffset);

        Assert.Equal(ErrorCode.None, End(producer, commit: true));
        Assert.Equal(TransactionState.CompleteCommit, State);
        Assert.Empty(_coordinator.Describe(TxId)!.Partitions);
        Assert.Equal(2, Log(0).LastStableOffset);
        // Partition 1 got a marker although nothing was written to it.
        Assert.Equal(1, Log(1).LogEndOffset);
    }

    [Fact]
    public void EndTxn_out_of_order_is_refused_and_a_retry_of_the_same_outcome_succeeds()
    {
        var producer = Init();
        Assert.Equal(ErrorCode.InvalidTxnState, End(producer, commit: true));

        Add(producer, 0);
        Assert.Equal(ErrorCode.None, End(producer, commit: false));
        Assert.Equal(TransactionState.CompleteAbort, State);
        Assert.Equal(ErrorCode.None, End(producer, commit: false));
        Assert.Equal(ErrorCode.InvalidTxnState, End(producer, commit: true));
        Assert.Equal(1, Log(0).LogEndOffset);
    }

    [Fact]
    public void Unknown_ids_and_stale_epochs_are_refused_with_kafkas_errors()
    {
        var producer = Init();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, EndTransaction("nobody", producer.ProducerId, 0, true));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, AddPartitions(TxId, producer.ProducerId + 100, 0, [new TopicPartition(Topic, 0)]));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, AddOffsets(TxId, producer.ProducerId + 100, 0, "g"));

        Init();
        Assert.Equal(ErrorCode.ProducerFenced, Add(producer, 0));
        Assert.Equal(ErrorCode.ProducerFenced, AddOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, "g"));
        Assert.Equal(ErrorCode.ProducerFenced, End(producer, commit: true));
    }

    [Fact]
    public void A_new_instance_fences_the_old_one_and_aborts_its_open_transaction()
    {
        var zombie = Init();
        Add(zombie, 0);
        Produce(zombie, 0, 0);

        var successor = Init();
        // One bump fences (the abort markers carry it), the next goes to the new instance.
        Assert.Equal(zombie.ProducerEpoch + 2, successor.ProducerEpoch);
        Assert.Equal(TransactionState.Empty, State);
        Assert.Equal(2, Log(0).LastStableOffset);
        Assert.Equal([(zombie.ProducerId, 0L)], Log(0).Read(0, 1 << 20, IsolationLevel.ReadCommitted).AbortedTransactions.Select(t => (t.ProducerId, t.FirstOffset)));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Produce(zombie, 0, 1));

        Assert.Equal(ErrorCode.None, Add(successor, 0));
        Assert.Equal(ErrorCode.None, Produce(successor, 0, 0));
        Assert.Equal(ErrorCode.None, End(successor, commit: true));
    }

    [Fact]
    public void A_producer_recovering_with_its_own_id_and_epoch_gets_the_next_epoch_unless_fenced()
    {
        var producer = Init();
        var bumped = Init(producerId: producer.ProducerId, epoch: producer.ProducerEpoch);
        Assert.Equal(producer.ProducerEpoch + 1, bumped.ProducerEpoch);
        // The answer was lost and the producer asks again with its old epoch: the same epoch, not another bump.
        Assert.Equal(bumped, Init(producerId: producer.ProducerId, epoch: producer.ProducerEpoch));

        var other = Init();
        Assert.Equal(ErrorCode.ProducerFenced, InitProducerId(TxId, 30_000, bumped.ProducerId, bumped.ProducerEpoch).Error);
        Assert.Equal(ErrorCode.ProducerFenced, InitProducerId(TxId, 30_000, other.ProducerId + 1, 0).Error);
    }

    [Fact]
    public void A_transaction_past_its_timeout_is_aborted_with_a_fencing_epoch_bump()
    {
        var producer = Init(timeoutMs: 10_000);
        Add(producer, 0);
        Produce(producer, 0, 0);

        _groups.Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(TransactionState.Ongoing, State);
        _groups.Clock.Advance(TimeSpan.FromSeconds(2) + CheckInterval);

        Assert.Equal(TransactionState.CompleteAbort, State);
        Assert.Equal(producer.ProducerEpoch + 1, _coordinator.Describe(TxId)!.ProducerEpoch);
        Assert.Equal(Log(0).HighWatermark, Log(0).LastStableOffset);
        Assert.Equal(ErrorCode.ProducerFenced, End(producer, commit: true));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Produce(producer, 0, 1));
    }

    [Fact]
    public void The_timeout_check_is_armed_only_while_an_id_is_known_and_keeps_the_ticks_of_the_coordinators_start()
    {
        Assert.False(_coordinator.IsTimeoutCheckArmed);
        _groups.Clock.Advance(TimeSpan.FromMilliseconds(500));

        var producer = Init(timeoutMs: 1_000);
        Add(producer, 0);
        Assert.True(_coordinator.IsTimeoutCheckArmed);

        // Ticks at 1 s and 2 s from the start: the transaction, begun at 0.5 s, is past its timeout from 1.5 s on.
        _groups.Clock.Advance(TimeSpan.FromMilliseconds(1_400));
        Assert.Equal(TransactionState.Ongoing, State);
        _groups.Clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TransactionState.CompleteAbort, State);

        // Once the id expires nothing is left to check, and the timer stops.
        _groups.Clock.Advance(TimeSpan.FromDays(7) + CheckInterval + CheckInterval);
        Assert.Null(_coordinator.Describe(TxId));
        Assert.False(_coordinator.IsTimeoutCheckArmed);
    }

    [Fact]
    public void Transactional_offsets_are_unstable_until_commit_and_dropped_on_abort()
    {
        var key = new OffsetKey(Topic, 0);
        var commit = new OffsetCommitCommand { GroupId = "readers", Offsets = [new PartitionOffsetCommit(key, 42)] };
        var producer = Init();

        Assert.Equal([ErrorCode.InvalidTxnState], _coordinator.CommitOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, commit));
        Assert.Equal(ErrorCode.None, AddOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, "readers"));
        Assert.Equal([ErrorCode.None], _coordinator.CommitOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, commit));
        Assert.Equal(ErrorCode.UnstableOffsetCommit, FetchOffset(requireStable: true).Error);
        Assert.Equal(-1, FetchOffset(requireStable: false).Offset);

        End(producer, commit: false);
        Assert.Equal((ErrorCode.None, -1L), (FetchOffset(requireStable: true).Error, FetchOffset(requireStable: true).Offset));

        AddOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, "readers");
        _coordinator.CommitOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, commit);
        End(producer, commit: true);
        Assert.Equal((ErrorCode.None, 42L), (FetchOffset(requireStable: true).Error, FetchOffset(requireStable: true).Offset));

        FetchedOffset FetchOffset(bool requireStable) => _groups.Coordinator.FetchOffsets("readers", [key], requireStable).Single();
    }

    [Fact]
    public async Task Transactional_offset_commits_of_a_zombie_generation_or_member_are_fenced()
    {
        var members = await _groups.StableGroupAsync(1);
        var member = members[0];
        var producer = Init();
        AddOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, GroupTestKit.GroupId);
        ErrorCode Commit(int generation, string memberId, string? instanceId = null) => _coordinator.CommitOffsets(TxId, producer.ProducerId, producer.ProducerEpoch,
            new OffsetCommitCommand
            {
                GroupId = GroupTestKit.GroupId, GenerationId = generation, MemberId = memberId, GroupInstanceId = instanceId,
                Offsets = [new PartitionOffsetCommit(new OffsetKey(Topic, 0), 1)],
            }).Single();

        Assert.Equal(ErrorCode.IllegalGeneration, Commit(member.GenerationId - 1, member.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, Commit(member.GenerationId, "zombie"));
        Assert.Equal(ErrorCode.None, Commit(member.GenerationId, member.MemberId));
        // Clients before KIP-447 send neither member nor generation.
        Assert.Equal(ErrorCode.None, Commit(-1, ""));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, _coordinator.CommitOffsets(TxId, producer.ProducerId, (short)(producer.ProducerEpoch + 1),
            new OffsetCommitCommand { GroupId = GroupTestKit.GroupId, Offsets = [new PartitionOffsetCommit(new OffsetKey(Topic, 0), 1)] }).Single());
    }

    [Fact]
    public async Task A_static_member_replaced_by_a_new_instance_is_fenced()
    {
        var members = await _groups.StableGroupAsync(1, _ => "instance-1");
        var producer = Init();
        AddOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, GroupTestKit.GroupId);

        var errors = _coordinator.CommitOffsets(TxId, producer.ProducerId, producer.ProducerEpoch, new OffsetCommitCommand
        {
            GroupId = GroupTestKit.GroupId, GenerationId = members[0].GenerationId, MemberId = "old-member-id", GroupInstanceId = "instance-1",
            Offsets = [new PartitionOffsetCommit(new OffsetKey(Topic, 0), 1)],
        });
        Assert.Equal([ErrorCode.FencedInstanceId], errors);
    }

    [Fact]
    public void Describe_and_list_show_state_producer_and_partitions()
    {
        var producer = Init(timeoutMs: 20_000);
        InitProducerId("idle", 5_000, -1, -1);
        Add(producer, 1, 0);
        _groups.Clock.Advance(TimeSpan.FromMilliseconds(500));

        var description = _coordinator.Describe(TxId)!;
        Assert.Equal((TransactionState.Ongoing, 20_000, producer.ProducerId), (description.State, description.TimeoutMs, description.ProducerId));
        Assert.Equal([new TopicPartition(Topic, 0), new TopicPartition(Topic, 1)], description.Partitions);
        Assert.Equal(_groups.Clock.GetUtcNow().AddMilliseconds(-500).ToUnixTimeMilliseconds(), description.StartTimeMs);

        Assert.Equal(["idle", TxId], _coordinator.List([], [], TimeSpan.FromMilliseconds(-1)).Select(t => t.TransactionalId));
        Assert.Equal([TxId], _coordinator.List([TransactionState.Ongoing], [], TimeSpan.FromMilliseconds(-1)).Select(t => t.TransactionalId));
        Assert.Equal([TxId], _coordinator.List([], [producer.ProducerId], TimeSpan.FromMilliseconds(-1)).Select(t => t.TransactionalId));
        Assert.Equal([TxId], _coordinator.List([], [], TimeSpan.FromMilliseconds(100)).Select(t => t.TransactionalId));
        Assert.Empty(_coordinator.List([], [], TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void An_idle_transactional_id_expires()
    {
        Init();
        _groups.Clock.Advance(TimeSpan.FromDays(7) + CheckInterval + CheckInterval);
        Assert.Null(_coordinator.Describe(TxId));
    }

    private PartitionState StatePartition => _cluster.Coordinators.PartitionOf(CoordinatorType.Transaction, TxId)!;

    private List<sbyte> LoggedStatuses() =>
        InternalTopicLog.Replay(StatePartition.LeaderLog!)
            .Select(entry => TransactionLog.Replay([entry]).GetValueOrDefault(TxId))
            .Where(value => value is not null)
            .Select(value => value!.TransactionStatus)
            .ToList();

    [Fact]
    public void Every_state_change_is_a_transaction_log_record_in_the_ids_partition()
    {
        var producer = Init();
        Assert.Equal(ErrorCode.None, Add(producer, 0));
        Assert.Equal(ErrorCode.None, Produce(producer, 0, 0));
        Assert.Equal(ErrorCode.None, End(producer, commit: true));

        // Kafka's TransactionState ids: Empty 0, Ongoing 1, PrepareCommit 2, CompleteCommit 4.
        Assert.Equal([0, 1, 2, 4], LoggedStatuses());
        var latest = TransactionLog.Replay(InternalTopicLog.Replay(StatePartition.LeaderLog!))[TxId];
        Assert.Equal((producer.ProducerId, producer.ProducerEpoch), (latest.ProducerId, latest.ProducerEpoch));
    }

    [Fact]
    public void A_coordinator_that_loads_a_transaction_prepared_for_commit_writes_its_markers_and_completes_it()
    {
        var producer = Init();
        Assert.Equal(ErrorCode.None, Add(producer, 0));
        Assert.Equal(ErrorCode.None, Produce(producer, 0, 0));
        Assert.Equal(0, Log(0).LastStableOffset);
        // The coordinator stopped after recording PrepareCommit, before any marker (as a crash would leave it).
        var prepared = new TransactionLogValue
        {
            ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, TransactionTimeoutMs = 30_000, TransactionStatus = 2,
            TransactionPartitions = [new() { Topic = Topic, PartitionIds = [0] }], TransactionLastUpdateTimestampMs = 0, TransactionStartTimestampMs = 0,
        };
        var partition = StatePartition;
        var key = InternalRecord.Encode(new TransactionLogKey { TransactionalId = TxId }, 0);
        Assert.Equal(ErrorCode.None, InternalTopicLog.Append(partition, partition.Leadership.LeaderEpoch,
            [new InternalRecordData(key, InternalRecord.Encode(prepared, 0))], 0).Error);

        _coordinator.Load(partition, partition.Leadership, _cluster.Coordinators.Topic(CoordinatorType.Transaction)!.Partitions.Count);

        Assert.Equal(TransactionState.CompleteCommit, State);
        Assert.Equal(Log(0).HighWatermark, Log(0).LastStableOffset);
        Assert.False(Log(0).HasOpenTransaction(producer.ProducerId));
        Assert.Equal(4, LoggedStatuses().Last());
    }
}
