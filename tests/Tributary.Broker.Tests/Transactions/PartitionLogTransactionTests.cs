using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;
using static Tributary.Broker.Tests.Transactions.TransactionalBatches;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>The log side of transactions: last stable offset, aborted index, admission of transactional writes.</summary>
public class PartitionLogTransactionTests
{
    private static readonly AppendOptions Options = new(LeaderEpoch: 0, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588);
    private const long Alice = 7, Bob = 8;
    private readonly PartitionLog _log = new();

    private ErrorCode Append(byte[] batch) => _log.Append(batch, Options).Error;

    private void End(long producerId, short epoch, bool commit) =>
        _log.AppendMarker(producerId, epoch, new ControlRecord(commit ? ControlRecordType.Commit : ControlRecordType.Abort, 0), Options);

    private LogReadResult ReadCommitted(long offset) => _log.Read(offset, 1 << 20, IsolationLevel.ReadCommitted);

    private static long LastOffsetOf(ReadOnlyMemory<byte> records)
    {
        long last = -1;
        for (var rest = records.Span; !rest.IsEmpty; rest = rest[(int)new RecordBatchHeader(rest).TotalSize..]) last = new RecordBatchHeader(rest).LastOffset;
        return last;
    }

    [Fact]
    public void The_last_stable_offset_stops_at_the_earliest_open_transaction_until_its_marker()
    {
        Append(TestBatches.Create(2));                    // 0-1
        _log.AdmitTransactionalProducer(Alice, 0);
        _log.AdmitTransactionalProducer(Bob, 0);
        Assert.Equal(ErrorCode.None, Append(Create(Alice, 0, 0, count: 3)));   // 2-4
        Assert.Equal(ErrorCode.None, Append(Create(Bob, 0, 0, count: 2)));     // 5-6
        Assert.Equal(2, _log.LastStableOffset);
        Assert.Equal(7, _log.HighWatermark);

        End(Bob, 0, commit: true);                        // 7
        Assert.Equal(2, _log.LastStableOffset);
        End(Alice, 0, commit: false);                     // 8
        Assert.Equal(9, _log.LastStableOffset);
        Assert.Equal(_log.HighWatermark, _log.LastStableOffset);
    }

    [Fact]
    public void Read_committed_returns_nothing_past_the_last_stable_offset_and_read_uncommitted_everything()
    {
        Append(TestBatches.Create(2));
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0, count: 3));

        var committed = ReadCommitted(0);
        Assert.Equal(1, LastOffsetOf(committed.Records));
        Assert.Equal(2, committed.LastStableOffset);
        Assert.True(ReadCommitted(2).Records.IsEmpty);
        Assert.Equal(4, LastOffsetOf(_log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Records));

        Assert.Equal(0, _log.BytesAvailableFrom(2, IsolationLevel.ReadCommitted));
        Assert.True(_log.BytesAvailableFrom(2) > 0);
    }

    [Fact]
    public void Read_committed_lists_the_aborted_transactions_that_overlap_the_returned_records()
    {
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0, count: 2));            // 0-1
        End(Alice, 0, commit: false);                     // 2: aborted [0, 2]
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 2, count: 2));            // 3-4
        End(Alice, 0, commit: true);                      // 5
        _log.AdmitTransactionalProducer(Bob, 0);
        Append(Create(Bob, 0, 0));                        // 6
        End(Bob, 0, commit: false);                       // 7: aborted [6, 7]

        var all = ReadCommitted(0);
        Assert.Equal([(Alice, 0L), (Bob, 6L)], all.AbortedTransactions.Select(t => (t.ProducerId, t.FirstOffset)));
        Assert.Equal([(Bob, 6L)], ReadCommitted(3).AbortedTransactions.Select(t => (t.ProducerId, t.FirstOffset)));
        Assert.Empty(ReadCommitted(8).AbortedTransactions);
        Assert.Empty(_log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).AbortedTransactions);
    }

    [Fact]
    public void A_read_that_stops_early_lists_only_aborts_it_reaches()
    {
        Append(TestBatches.Create(1));                    // 0
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0));                      // 1
        End(Alice, 0, commit: false);                     // 2

        // One batch at most: only offset 0 comes back, so the abort starting at 1 is not listed.
        var first = _log.Read(0, maxBytes: 1, IsolationLevel.ReadCommitted);
        Assert.Equal(0, LastOffsetOf(first.Records));
        Assert.Empty(first.AbortedTransactions);
    }

    [Fact]
    public void Transactional_writes_need_the_partition_in_the_transaction_at_the_current_epoch()
    {
        Assert.Equal(ErrorCode.InvalidTxnState, Append(Create(Alice, 0, 0)));
        _log.AdmitTransactionalProducer(Alice, 1);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Append(Create(Alice, 0, 0)));
        Assert.Equal(ErrorCode.None, Append(Create(Alice, 1, 0)));
        // Plain writes may not interleave with the producer's open transaction.
        Assert.Equal(ErrorCode.InvalidTxnState, Append(Create(Alice, 1, 1, transactional: false)));

        End(Alice, 1, commit: true);
        // The marker ends the admission: the next transaction must add the partition again.
        Assert.Equal(ErrorCode.InvalidTxnState, Append(Create(Alice, 1, 1)));
        Assert.Equal(ErrorCode.None, Append(Create(Alice, 1, 1, transactional: false)));
    }

    [Fact]
    public void A_marker_at_a_bumped_epoch_fences_the_older_producer()
    {
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0));
        End(Alice, 1, commit: false);

        _log.AdmitTransactionalProducer(Alice, 0);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Append(Create(Alice, 0, 1)));
        _log.AdmitTransactionalProducer(Alice, 2);
        Assert.Equal(ErrorCode.None, Append(Create(Alice, 2, 0)));
    }

    [Fact]
    public void Clients_may_not_write_control_batches()
    {
        Assert.Equal(ErrorCode.InvalidRecord, Append(Create(Alice, 0, 0, control: true)));
        Assert.Equal(ErrorCode.InvalidRecord, Append(Create(-1, -1, -1)));
        Assert.Equal(0, _log.LogEndOffset);
    }

    [Fact]
    public void Markers_are_control_batches_with_the_coordinator_epoch()
    {
        _log.AdmitTransactionalProducer(Alice, 3);
        Append(Create(Alice, 3, 0));
        _log.AppendMarker(Alice, 3, new ControlRecord(ControlRecordType.Commit, 42), Options);

        var batch = RecordBatch.Read(_log.Read(1, 1 << 20, IsolationLevel.ReadUncommitted).Records);
        Assert.True(batch.Header.IsControl);
        Assert.True(batch.Header.IsTransactional);
        Assert.Equal(1, batch.Header.BaseOffset);
        Assert.Equal(Alice, batch.Header.ProducerId);
        Assert.Equal(3, batch.Header.ProducerEpoch);
        batch.Validate();
        using var records = batch.ReadRecords();
        Assert.Equal(1, records.Count);
        foreach (var record in records) Assert.Equal(new ControlRecord(ControlRecordType.Commit, 42), ControlRecord.Parse(record));
    }

    [Fact]
    public void DescribeProducers_shows_open_transactions_and_last_sequences()
    {
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0, count: 4));
        Append(TestBatches.Create(2, producerId: Bob, producerEpoch: 5, baseSequence: 0));

        var producers = _log.DescribeProducers().ToDictionary(p => p.ProducerId);
        Assert.Equal(0, producers[Alice].CurrentTransactionStartOffset);
        Assert.Equal(3, producers[Alice].LastSequence);
        Assert.Equal(-1, producers[Bob].CurrentTransactionStartOffset);
        Assert.Equal(5, producers[Bob].Epoch);
        Assert.Equal(1, producers[Bob].LastSequence);
    }

    [Fact]
    public void Retention_forgets_aborted_transactions_before_the_log_start()
    {
        _log.AdmitTransactionalProducer(Alice, 0);
        Append(Create(Alice, 0, 0));
        End(Alice, 0, commit: false);
        Append(TestBatches.Create(1));

        _log.DeleteRecordsBefore(2);
        Assert.Empty(ReadCommitted(2).AbortedTransactions);
    }
}
