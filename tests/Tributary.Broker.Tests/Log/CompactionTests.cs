using System.Text;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Log;

/// <summary>Segments (rolling, whole-segment retention) and the log cleaner of compacted topics, on one partition log.</summary>
public class CompactionTests
{
    // One batch per segment: every batch rolls (segment.bytes smaller than any batch).
    private static readonly AppendOptions Options = new(LeaderEpoch: 0, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588, SegmentBytes: 1);
    private static readonly CleanerSettings Cleaning = new(DeleteRetentionMs: 1_000, MinCompactionLagMs: 0, MaxCompactionLagMs: long.MaxValue, MinCleanableDirtyRatio: 0.5);
    private readonly PartitionLog _log = new();

    private static byte[] Batch(params (string? Key, string? Value)[] records) => Batch(CompressionCodec.None, 1_000, -1, records);

    private static byte[] Batch(CompressionCodec codec, long timestamp, long producerId, (string? Key, string? Value)[] records,
        int baseSequence = -1, bool transactional = false)
    {
        using var output = new PooledBufferWriter();
        using var builder = new RecordBatchBuilder(output, new RecordBatchOptions
        {
            Compression = codec, ProducerId = producerId, ProducerEpoch = (short)(producerId >= 0 ? 0 : -1), BaseSequence = baseSequence, IsTransactional = transactional,
        });
        foreach (var (key, value) in records) builder.Append(timestamp, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        builder.Complete();
        return output.ToArray();
    }

    private void Append(byte[] batch, AppendOptions? options = null) => Assert.Equal(ErrorCode.None, _log.Append(batch, options ?? Options).Error);

    /// <summary>Every record a consumer reading from the start gets, as (offset, key, value).</summary>
    private List<(long Offset, string? Key, string? Value)> ReadAll(IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        var result = new List<(long, string?, string?)>();
        var offset = _log.LogStartOffset;
        while (true)
        {
            var read = _log.Read(offset, 1 << 20, isolation);
            if (read.Records.IsEmpty) return result;
            for (var rest = read.Records; !rest.IsEmpty;)
            {
                var header = new RecordBatchHeader(rest.Span);
                var size = (int)header.TotalSize;
                Assert.Equal(header.ComputeCrc(), header.Crc);
                if (!header.IsControl)
                {
                    using var records = RecordBatch.Read(rest[..size]).ReadRecords();
                    foreach (var record in records)
                        result.Add((record.Offset, record.IsKeyNull ? null : Encoding.UTF8.GetString(record.Key.Span), record.IsValueNull ? null : Encoding.UTF8.GetString(record.Value.Span)));
                }
                offset = header.LastOffset + 1;
                rest = rest[size..];
            }
        }
    }

    [Fact]
    public void A_segment_rolls_when_the_next_batch_would_take_it_past_segment_bytes()
    {
        var size = Batch(("k", "v")).Length;
        var options = Options with { SegmentBytes = 2 * size };
        for (var i = 0; i < 5; i++) Append(Batch(("k", "v")), options);

        Assert.Equal([0L, 2L, 4L], _log.SegmentBaseOffsets);
    }

    [Fact]
    public void A_segment_rolls_when_a_batch_is_more_than_segment_ms_newer_than_its_first()
    {
        var options = Options with { SegmentBytes = long.MaxValue, SegmentMs = 1_000 };
        Append(Batch(CompressionCodec.None, 1_000, -1, [("a", "1")]), options);
        Append(Batch(CompressionCodec.None, 2_000, -1, [("a", "2")]), options);
        Append(Batch(CompressionCodec.None, 2_001, -1, [("a", "3")]), options);

        Assert.Equal([0L, 2L], _log.SegmentBaseOffsets);
    }

    [Fact]
    public void Retention_deletes_only_whole_segments_so_a_segment_with_one_fresh_batch_stays()
    {
        var options = Options with { SegmentBytes = long.MaxValue };
        Append(Batch(CompressionCodec.None, 1_000, -1, [("a", "old")]), options);
        Append(Batch(CompressionCodec.None, 9_000, -1, [("a", "new")]), options);

        Assert.Equal(0, _log.ApplyRetention(nowMs: 5_000, retentionMs: 1_000, retentionBytes: -1));
        Assert.Equal(0, _log.LogStartOffset);
        Assert.Equal(10_001, _log.NextRetentionMs(retentionMs: 1_000));   // the segment's newest record (9 000) passes retention.ms then
        Assert.Equal(long.MaxValue, _log.NextRetentionMs(retentionMs: -1));
        Assert.Equal(1, _log.ApplyRetention(nowMs: 10_001, retentionMs: 1_000, retentionBytes: -1));
        Assert.Equal(2, _log.LogStartOffset);
        Assert.Equal(0, _log.SegmentCount);
    }

    [Fact]
    public void Cleaning_keeps_the_latest_record_per_key_in_closed_segments_at_unchanged_offsets()
    {
        Append(Batch(("a", "a1"), ("b", "b1"), ("a", "a2")));   // 0-2
        Append(Batch(("c", "c1"), ("b", "b2")));                // 3-4
        Append(Batch(("a", "a3")));                             // 5
        Append(Batch(("a", "a4"), ("c", "c2")));                // 6-7: the active segment

        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));

        // The active segment keeps its duplicates (a4 next to a3, c2 next to c1); offsets stay where they were.
        Assert.Equal([(3L, "c", "c1"), (4L, "b", "b2"), (5L, "a", "a3"), (6L, "a", "a4"), (7L, "c", "c2")], ReadAll());
        Assert.Equal(0, _log.LogStartOffset);
        Assert.Equal(8, _log.LogEndOffset);
        Assert.Equal(6, _log.CleanedUpTo);
        // A fetch from inside the removed batch gets the next batch that remains.
        Assert.Equal(3, new RecordBatchHeader(_log.Read(1, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span).BaseOffset);
    }

    [Fact]
    public void A_compressed_batch_is_cleaned_into_a_batch_of_the_same_codec_keeping_its_last_offset()
    {
        Append(Batch(CompressionCodec.Gzip, 1_000, -1, [("a", "1"), ("b", "1"), ("a", "2")]));   // 0-2
        Append(Batch(CompressionCodec.Gzip, 1_000, -1, [("b", "2"), ("z", "1")]));               // 3-4
        Append(Batch(("end", "x")));                                                             // 5: active

        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));

        var header = new RecordBatchHeader(_log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span);
        Assert.Equal((0L, 2L, 1, CompressionCodec.Gzip), (header.BaseOffset, header.LastOffset, header.RecordCount, header.Compression));
        Assert.Equal([(2L, "a", "2"), (3L, "b", "2"), (4L, "z", "1"), (5L, "end", "x")], ReadAll());
    }

    [Fact]
    public void A_tombstone_stays_until_delete_retention_ms_after_the_first_cleaning_that_saw_it()
    {
        Append(Batch(("a", "1"), ("b", "1")));   // 0-1
        Append(Batch(("a", null)));              // 2: tombstone
        Append(Batch(("end", "x")));             // 3: active

        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));
        Assert.Equal([(1L, "b", "1"), (2L, "a", null), (3L, "end", "x")], ReadAll());

        // Nothing new is dirty, but the horizon (6 000 + 1 000) makes cleaning due once it is reached.
        Assert.Equal(7_000, _log.NextCleaningMs(nowMs: 6_000, Cleaning));
        Assert.False(_log.Clean(nowMs: 6_999, Cleaning));
        Assert.True(_log.Clean(nowMs: 7_000, Cleaning));
        Assert.Equal([(1L, "b", "1"), (3L, "end", "x")], ReadAll());
    }

    [Fact]
    public void A_log_below_min_cleanable_dirty_ratio_waits_until_max_compaction_lag_passes()
    {
        Append(Batch(("a", "1")));               // 0
        Append(Batch(("a", "2")));               // 1
        Append(Batch(("end", "x")));             // 2: active
        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));
        Append(Batch(CompressionCodec.None, 6_000, -1, [("b", "1")]));   // 3: closes offset 2's segment, dirty: half the cleanable bytes

        var strict = Cleaning with { MinCleanableDirtyRatio = 0.9, MaxCompactionLagMs = 10_000 };
        Assert.False(_log.Clean(nowMs: 7_000, strict));
        Assert.Equal(11_001, _log.NextCleaningMs(nowMs: 7_000, strict));
        Assert.True(_log.Clean(nowMs: 11_001, strict));   // the dirty batch stamped 1 000 is now over 10 s old
        Assert.Equal(3, _log.CleanedUpTo);
    }

    [Fact]
    public void Segments_younger_than_min_compaction_lag_are_not_cleaned()
    {
        Append(Batch(("a", "1")));
        Append(Batch(("a", "2")));
        Append(Batch(("end", "x")));

        Assert.False(_log.Clean(nowMs: 1_500, Cleaning with { MinCompactionLagMs = 1_000 }));
        Assert.Equal(2_000, _log.NextCleaningMs(nowMs: 1_500, Cleaning with { MinCompactionLagMs = 1_000 }));   // the first segment comes of age
        Assert.True(_log.Clean(nowMs: 2_000, Cleaning with { MinCompactionLagMs = 1_000 }));
        Assert.Equal([(1L, "a", "2"), (2L, "end", "x")], ReadAll());
    }

    [Fact]
    public void Aborted_transactional_records_are_removed_and_their_marker_goes_after_the_delete_horizon()
    {
        const long producer = 7;
        Append(Batch(("a", "committed")));                                                                  // 0
        _log.AdmitTransactionalProducer(producer, 0);
        Append(Batch(CompressionCodec.None, 1_000, producer, [("a", "aborted"), ("b", "aborted")], 0, true)); // 1-2
        _log.AppendMarker(producer, 0, new ControlRecord(ControlRecordType.Abort, 0), Options);              // 3
        Append(Batch(("c", "x")));                                                                          // 4
        Append(Batch(("end", "y")));                                                                        // 5: active

        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));
        Assert.Equal([(0L, "a", "committed"), (4L, "c", "x"), (5L, "end", "y")], ReadAll());
        // The emptied batch stays, empty, as its producer's last (for its sequence); so does the marker while it does.
        Assert.Equal(0, new RecordBatchHeader(_log.Read(1, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span).RecordCount);
        Assert.Equal(ErrorCode.DuplicateSequenceNumber,
            _log.Append(Batch(CompressionCodec.None, 1_000, producer, [("a", "aborted"), ("b", "aborted")], 0, true), Options).Error);
    }

    [Fact]
    public void The_marker_of_an_aborted_transaction_goes_once_its_data_is_gone_and_its_horizon_passed()
    {
        const long producer = 7;
        _log.AdmitTransactionalProducer(producer, 0);
        Append(Batch(CompressionCodec.None, 1_000, producer, [("a", "aborted")], 0, true));   // 0
        _log.AppendMarker(producer, 0, new ControlRecord(ControlRecordType.Abort, 0), Options); // 1
        Append(Batch(CompressionCodec.None, 1_000, producer, [("a", "later")], 1));            // 2: the producer's last data batch
        Append(Batch(("end", "x")));                                                            // 3: active

        Assert.True(_log.Clean(nowMs: 6_000, Cleaning));
        Assert.Equal(3, _log.BatchCount);   // the aborted batch is gone, the marker has its horizon
        Assert.True(_log.Clean(nowMs: 7_001, Cleaning));
        Assert.Equal(2, _log.BatchCount);
        Assert.Equal([(2L, "a", "later"), (3L, "end", "x")], ReadAll(IsolationLevel.ReadCommitted));
        // Its entry left the aborted index with it, or read_committed consumers would skip the producer's later records.
        Assert.Empty(_log.Read(0, 1 << 20, IsolationLevel.ReadCommitted).AbortedTransactions);
        Assert.Equal(4, _log.LastStableOffset);
    }

    [Fact]
    public void A_follower_copies_a_cleaned_leader_across_the_gaps()
    {
        var leader = new PartitionLog();
        var follower = new PartitionLog();
        leader.BecomeLeader(0);
        follower.BecomeFollower(0);
        leader.Append(Batch(("a", "1")), Options);
        leader.Append(Batch(("a", "2")), Options);
        leader.Append(Batch(("end", "x")), Options);
        Assert.True(leader.Clean(nowMs: 6_000, Cleaning));

        var read = leader.ReadForReplica(0, 1 << 20);
        Assert.Equal(1, read.Batches[0].BaseOffset);
        Assert.True(follower.AppendReplicated(read.Batches, 0, read.FetchOffset));

        Assert.Equal(3, follower.LogEndOffset);
        Assert.Equal(leader.SegmentBaseOffsets, follower.SegmentBaseOffsets);
    }
}
