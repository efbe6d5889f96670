using System.Runtime.InteropServices;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;
using static Tributary.Broker.Tests.Transactions.TransactionalBatches;

namespace Tributary.Broker.Tests.Log;

/// <summary>
/// The log side of replication: a follower holds the leader's stored bytes (not a copy), rebuilds producer and
/// transaction state from them, truncates what diverges by leader epochs, and the high watermark bounds reads.
/// </summary>
public class ReplicaLogTests
{
    private static readonly AppendOptions Epoch0 = new(LeaderEpoch: 0, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588);
    private readonly PartitionLog _leader = new();
    private readonly PartitionLog _follower = new();

    public ReplicaLogTests()
    {
        _leader.BecomeLeader(0, soleInSyncReplica: false);
        _follower.BecomeFollower(0);
    }

    private void Replicate(int leaderEpoch = 0)
    {
        _follower.TruncateDivergentFrom(_leader, leaderEpoch);
        var read = _leader.ReadForReplica(_follower.LogEndOffset, 1 << 20);
        Assert.True(_follower.AppendReplicated(read.Batches, leaderEpoch));
        _follower.FollowLeader(read.HighWatermark, read.LogStartOffset);
    }

    private static ReadOnlyMemory<byte> ReadAll(PartitionLog log) => log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Records;

    [Fact]
    public void A_follower_holds_the_leaders_stored_bytes_not_a_copy()
    {
        _leader.Append(TestBatches.Create(3), Epoch0);
        _leader.Append(TestBatches.Create(2), Epoch0);
        _leader.AdvanceHighWatermark(5, 0);
        Replicate();

        Assert.Equal(5, _follower.LogEndOffset);
        Assert.Equal(5, _follower.HighWatermark);
        Assert.True(MemoryMarshal.TryGetArray(ReadAll(_leader), out var leaderBytes));
        Assert.True(MemoryMarshal.TryGetArray(ReadAll(_follower), out var followerBytes));
        Assert.Same(leaderBytes.Array, followerBytes.Array);
        Assert.Equal(leaderBytes.Offset, followerBytes.Offset);
        Assert.Equal(leaderBytes.Count, followerBytes.Count);
    }

    [Fact]
    public async Task Reads_stop_at_the_high_watermark_and_waiters_wake_when_it_passes_their_offset()
    {
        _leader.Append(TestBatches.Create(3), Epoch0);
        var replicated = _leader.WaitForHighWatermarkAsync(3);

        Assert.True(ReadAll(_leader).IsEmpty);
        Assert.Equal(0, _leader.BytesAvailableFrom(0));
        Assert.Equal(0, _leader.LastStableOffset);
        Assert.False(replicated.IsCompleted);

        _leader.AdvanceHighWatermark(3, 0);
        Assert.True(await replicated.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, new RecordBatchHeader(ReadAll(_leader).Span).LastOffset + 1);
    }

    [Fact]
    public async Task A_leader_that_becomes_follower_refuses_appends_and_answers_its_waiters_with_false()
    {
        _leader.Append(TestBatches.Create(1), Epoch0);
        var waiting = _leader.WaitForHighWatermarkAsync(1);

        _leader.BecomeFollower(1);

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.NotLeaderOrFollower, _leader.Append(TestBatches.Create(1), Epoch0 with { LeaderEpoch = 1 }).Error);
    }

    [Fact]
    public void A_follower_rebuilds_producer_state_so_as_leader_it_recognises_retries_and_sequence_gaps()
    {
        _leader.Append(TestBatches.Create(2, producerId: 9, producerEpoch: 0, baseSequence: 0), Epoch0);
        _leader.AdvanceHighWatermark(2, 0);
        Replicate();

        _follower.BecomeLeader(1);
        var retry = _follower.Append(TestBatches.Create(2, producerId: 9, producerEpoch: 0, baseSequence: 0), Epoch0 with { LeaderEpoch = 1 });
        Assert.Equal(ErrorCode.DuplicateSequenceNumber, retry.Error);
        Assert.Equal(0, retry.BaseOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber,
            _follower.Append(TestBatches.Create(1, producerId: 9, producerEpoch: 0, baseSequence: 5), Epoch0 with { LeaderEpoch = 1 }).Error);
        Assert.Equal(ErrorCode.None,
            _follower.Append(TestBatches.Create(1, producerId: 9, producerEpoch: 0, baseSequence: 2), Epoch0 with { LeaderEpoch = 1 }).Error);
    }

    [Fact]
    public void A_follower_rebuilds_open_transactions_and_the_aborted_index_from_the_batches_and_markers()
    {
        const long producer = 7;
        _leader.AdmitTransactionalProducer(producer, 0);
        _leader.Append(Create(producer, 0, 0, count: 2), Epoch0);
        _leader.AdvanceHighWatermark(2, 0);
        Replicate();
        Assert.Equal(0, _follower.LastStableOffset);

        _leader.AppendMarker(producer, 0, new ControlRecord(ControlRecordType.Abort, 0), Epoch0);
        _leader.AdvanceHighWatermark(3, 0);
        Replicate();

        Assert.Equal(3, _follower.LastStableOffset);
        var aborted = _follower.Read(0, 1 << 20, IsolationLevel.ReadCommitted).AbortedTransactions.Single();
        Assert.Equal((producer, 0L, 2L), (aborted.ProducerId, aborted.FirstOffset, aborted.LastOffset));
    }

    [Fact]
    public void A_returning_replica_truncates_the_records_only_it_had_and_follows_the_new_history()
    {
        // Both have offsets 0-2 from epoch 0; then the old leader alone gets 3-4, and loses its leadership.
        _leader.Append(TestBatches.Create(3), Epoch0);
        _leader.AdvanceHighWatermark(3, 0);
        Replicate();
        _leader.Append(TestBatches.Create(2, producerId: 4, producerEpoch: 0, baseSequence: 0), Epoch0);
        var (oldLeader, newLeader) = (_leader, _follower);
        oldLeader.BecomeFollower(1);
        newLeader.BecomeLeader(1);
        newLeader.Append(TestBatches.Create(1, valueSize: 30), Epoch0 with { LeaderEpoch = 1 });

        oldLeader.TruncateDivergentFrom(newLeader, 1);
        Assert.Equal(3, oldLeader.LogEndOffset);
        var read = newLeader.ReadForReplica(3, 1 << 20);
        Assert.True(oldLeader.AppendReplicated(read.Batches, 1));

        Assert.Equal(4, oldLeader.LogEndOffset);
        Assert.Equal((1, 4L), oldLeader.EndOffsetForEpoch(1));
        Assert.Equal((0, 3L), oldLeader.EndOffsetForEpoch(0));
        // The truncated producer's batches are forgotten: its sequence 0 is new again, not a duplicate.
        oldLeader.BecomeLeader(2);
        Assert.Equal(ErrorCode.None, oldLeader.Append(TestBatches.Create(1, producerId: 4, producerEpoch: 0, baseSequence: 0), Epoch0 with { LeaderEpoch = 2 }).Error);
    }

    [Fact]
    public void Replication_refuses_batches_from_a_leader_of_another_epoch()
    {
        _leader.Append(TestBatches.Create(1), Epoch0);
        var read = _leader.ReadForReplica(0, 1 << 20);
        _follower.BecomeFollower(1);

        Assert.False(_follower.AppendReplicated(read.Batches, 0));
        Assert.Equal(0, _follower.LogEndOffset);
    }
}
