using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Log;

public class PartitionLogTests
{
    private static readonly AppendOptions Options = new(LeaderEpoch: 3, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588);
    private readonly PartitionLog _log = new();

    private AppendResult Append(byte[] records, AppendOptions? options = null) => _log.Append(records, options ?? Options);

    [Fact]
    public void Stores_batches_as_they_came_rewriting_only_offset_and_leader_epoch()
    {
        Append(TestBatches.Create(4));
        var produced = TestBatches.Create(2, valueSize: 33);
        var result = Append(produced);

        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(4, result.BaseOffset);
        Assert.Equal(-1, result.LogAppendTimeMs);
        var stored = _log.Read(4, 1 << 20, IsolationLevel.ReadUncommitted).Records.ToArray();
        Assert.Equal(4, new RecordBatchHeader(stored).BaseOffset);
        Assert.Equal(3, new RecordBatchHeader(stored).PartitionLeaderEpoch);
        Assert.Equal(produced[16..], stored[16..]);
        Assert.Equal(new RecordBatchHeader(stored).ComputeCrc(), new RecordBatchHeader(stored).Crc);
        Assert.Equal(6, _log.HighWatermark);
    }

    [Fact]
    public void LogAppendTime_topics_get_the_broker_time_and_a_fresh_crc()
    {
        var result = Append(TestBatches.Create(1, timestamp: 10), Options with { UseLogAppendTime = true, NowMs = 77_000 });

        Assert.Equal(77_000, result.LogAppendTimeMs);
        var stored = _log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span;
        Assert.Equal(77_000, new RecordBatchHeader(stored).MaxTimestamp);
        Assert.Equal(new RecordBatchHeader(stored).ComputeCrc(), new RecordBatchHeader(stored).Crc);
    }

    [Fact]
    public void Invalid_batches_are_rejected_and_nothing_is_stored()
    {
        var corrupt = TestBatches.Create(2);
        corrupt[^1] ^= 1;
        Assert.Equal(ErrorCode.CorruptMessage, Append(TestBatches.Concat(TestBatches.Create(1), corrupt)).Error);
        Assert.Equal(ErrorCode.MessageTooLarge, Append(TestBatches.Create(1, valueSize: 200), Options with { MaxMessageBytes = 100 }).Error);
        Assert.Equal(ErrorCode.InvalidTimestamp, Append(TestBatches.Create(1, timestamp: Options.NowMs + 2), Options with { MaxTimestampAheadMs = 1 }).Error);
        Assert.Equal(0, _log.LogEndOffset);
    }

    [Fact]
    public void A_fetch_starts_with_the_batch_that_contains_the_offset()
    {
        Append(TestBatches.Create(5));
        Append(TestBatches.Create(5));

        var records = _log.Read(7, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span;
        Assert.Equal(5, new RecordBatchHeader(records).BaseOffset);
        Assert.Equal(records.Length, (int)new RecordBatchHeader(records).TotalSize);
    }

    [Fact]
    public void A_fetch_returns_whole_batches_up_to_max_bytes_but_at_least_one()
    {
        var size = TestBatches.Create(1, valueSize: 100).Length;
        for (var i = 0; i < 3; i++) Append(TestBatches.Create(1, valueSize: 100));

        Assert.Equal(size, _log.Read(0, 10, IsolationLevel.ReadUncommitted).Records.Length);
        Assert.Equal(2 * size, _log.Read(0, 2 * size + size / 2, IsolationLevel.ReadUncommitted).Records.Length);
        Assert.Equal(3 * size, _log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Records.Length);
    }

    [Fact]
    public void A_fetch_at_the_end_is_empty_and_past_it_or_before_the_start_is_out_of_range()
    {
        Append(TestBatches.Create(2));

        var atEnd = _log.Read(2, 1 << 20, IsolationLevel.ReadCommitted);
        Assert.Equal(ErrorCode.None, atEnd.Error);
        Assert.True(atEnd.Records.IsEmpty);
        Assert.Equal(2, atEnd.HighWatermark);
        Assert.Equal(2, atEnd.LastStableOffset);
        Assert.Equal(ErrorCode.OffsetOutOfRange, _log.Read(3, 1 << 20, IsolationLevel.ReadUncommitted).Error);
        _log.DeleteRecordsBefore(1);
        Assert.Equal(ErrorCode.OffsetOutOfRange, _log.Read(0, 1 << 20, IsolationLevel.ReadUncommitted).Error);
    }

    [Fact]
    public void Many_batches_spill_into_new_chunks_and_every_offset_stays_readable()
    {
        for (var i = 0; i < 2_000; i++) Append(TestBatches.Create(2, valueSize: 100));

        var offset = 0L;
        while (offset < _log.HighWatermark)
        {
            var records = _log.Read(offset, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span;
            while (!records.IsEmpty)
            {
                Assert.Equal(offset, new RecordBatchHeader(records).BaseOffset);
                offset += new RecordBatchHeader(records).LastOffsetDelta + 1;
                records = records[(int)new RecordBatchHeader(records).TotalSize..];
            }
        }
        Assert.Equal(4_000, offset);
    }

    [Fact]
    public void Idempotent_retries_are_answered_with_the_original_offset_and_not_stored_twice()
    {
        Append(TestBatches.Create(1));
        var batch = TestBatches.Create(3, producerId: 9, producerEpoch: 0, baseSequence: 0);
        Assert.Equal(1, Append(batch).BaseOffset);

        var retry = Append(batch);
        Assert.Equal(ErrorCode.DuplicateSequenceNumber, retry.Error);
        Assert.Equal(1, retry.BaseOffset);
        Assert.Equal(4, _log.LogEndOffset);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Append(TestBatches.Create(1, producerId: 9, producerEpoch: 0, baseSequence: 5)).Error);
        Assert.Equal(ErrorCode.None, Append(TestBatches.Create(1, producerId: 9, producerEpoch: 0, baseSequence: 3)).Error);
        Assert.Equal(ErrorCode.None, Append(TestBatches.Create(1, producerId: 9, producerEpoch: 1, baseSequence: 0)).Error);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Append(TestBatches.Create(1, producerId: 9, producerEpoch: 0, baseSequence: 4)).Error);
    }

    [Fact]
    public void ListOffsets_by_timestamp_finds_the_first_record_at_or_after_it()
    {
        Append(TestBatches.Create(3, timestamp: 100, timestampStep: 10));   // offsets 0-2: 100, 110, 120
        Append(TestBatches.Create(2, timestamp: 300, timestampStep: 50));   // offsets 3-4: 300, 350
        Append(TestBatches.Create(2, timestamp: 200));                      // offsets 5-6: 200, 200

        Assert.Equal(new OffsetAndTimestamp(0, 100), _log.OffsetForTimestamp(50));
        Assert.Equal(new OffsetAndTimestamp(2, 120), _log.OffsetForTimestamp(111));
        Assert.Equal(new OffsetAndTimestamp(3, 300), _log.OffsetForTimestamp(250));
        Assert.Equal(OffsetAndTimestamp.None, _log.OffsetForTimestamp(351));
        Assert.Equal(new OffsetAndTimestamp(4, 350), _log.OffsetOfMaxTimestamp());
        // Records before the log start are not found, even inside a batch that is still stored.
        _log.DeleteRecordsBefore(1);
        Assert.Equal(new OffsetAndTimestamp(1, 110), _log.OffsetForTimestamp(50));
    }

    [Fact]
    public void DeleteRecords_moves_the_start_and_drops_whole_batches_before_it()
    {
        Append(TestBatches.Create(3));
        Append(TestBatches.Create(3));

        Assert.Equal((ErrorCode.None, 4L), _log.DeleteRecordsBefore(4));
        Assert.Equal(1, _log.BatchCount);
        // The start may lie inside a batch: a fetch from it returns that whole batch.
        Assert.Equal(3, new RecordBatchHeader(_log.Read(4, 1 << 20, IsolationLevel.ReadUncommitted).Records.Span).BaseOffset);
        Assert.Equal(ErrorCode.OffsetOutOfRange, _log.DeleteRecordsBefore(7).Error);
        Assert.Equal((ErrorCode.None, 6L), _log.DeleteRecordsBefore(-1));
        Assert.Equal(0, _log.BatchCount);
        Assert.Equal(6, _log.LogStartOffset);
    }

    [Fact]
    public void Retention_by_time_deletes_expired_segments_from_the_front()
    {
        // Kafka deletes whole segments: one batch per segment here (segment.bytes smaller than a batch).
        Append(TestBatches.Create(2, timestamp: 1_000), Options with { SegmentBytes = 1 });
        Append(TestBatches.Create(2, timestamp: 5_000), Options with { SegmentBytes = 1 });

        Assert.Equal(0, _log.ApplyRetention(nowMs: 2_000, retentionMs: 1_000, retentionBytes: -1));
        Assert.Equal(1, _log.ApplyRetention(nowMs: 2_001, retentionMs: 1_000, retentionBytes: -1));
        Assert.Equal(2, _log.LogStartOffset);
        Assert.Equal(1, _log.ApplyRetention(nowMs: 10_000, retentionMs: 1_000, retentionBytes: -1));
        Assert.Equal(4, _log.LogStartOffset);
        Assert.Equal(4, _log.LogEndOffset);
    }

    [Fact]
    public void Retention_by_size_keeps_the_newest_segments_that_fill_the_limit()
    {
        var size = TestBatches.Create(1, valueSize: 100).Length;
        for (var i = 0; i < 5; i++) Append(TestBatches.Create(1, valueSize: 100), Options with { SegmentBytes = 1 });

        _log.ApplyRetention(nowMs: 0, retentionMs: -1, retentionBytes: 2 * size);

        Assert.Equal(2 * size, _log.SizeInBytes);
        Assert.Equal(3, _log.LogStartOffset);
    }

    [Fact]
    public void A_partition_under_retention_bytes_holds_only_the_memory_of_the_segments_it_keeps()
    {
        // Small segments after a log of several megabytes: chunks grown to megabytes would each hold many segments, and one
        // live batch in a chunk keeps all of it from the garbage collector.
        const int segmentBytes = 64 * 1024;
        const long retentionBytes = 5 * segmentBytes;
        var options = Options with { SegmentBytes = segmentBytes };
        var chunks = new List<WeakReference>();
        for (var i = 0; i < 3_000; i++)
        {
            var offset = Append(TestBatches.Create(10, valueSize: 100), options).BaseOffset;
            TrackChunkOf(offset, chunks);
            _log.ApplyRetention(nowMs: 5_000, retentionMs: -1, retentionBytes);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.InRange(_log.SizeInBytes, retentionBytes, retentionBytes + segmentBytes);
        // What the log still holds: the chunks of the segments it keeps, the active one's included, and no more.
        Assert.InRange(LiveChunkBytes(chunks), _log.SizeInBytes, retentionBytes + 2 * segmentBytes);
        Assert.True(chunks.Count > 40, $"the log went through {chunks.Count} chunks");
    }

    /// <summary>Not inlined, so no reference to a chunk stays in the test's own frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TrackChunkOf(long offset, List<WeakReference> chunks)
    {
        Assert.True(MemoryMarshal.TryGetArray(_log.Read(offset, 1, IsolationLevel.ReadUncommitted).Records, out var stored));
        if (chunks.Count == 0 || chunks[^1].Target != stored.Array) chunks.Add(new WeakReference(stored.Array));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long LiveChunkBytes(List<WeakReference> chunks) => chunks.Sum(chunk => (chunk.Target as byte[])?.LongLength ?? 0);

    [Fact]
    public void OffsetForLeaderEpoch_uses_the_epochs_stamped_at_append_and_election()
    {
        _log.BecomeLeader(0);
        Append(TestBatches.Create(3), Options with { LeaderEpoch = 0 });
        _log.BecomeLeader(1);
        Append(TestBatches.Create(2), Options with { LeaderEpoch = 1 });

        Assert.Equal((0, 3L), _log.EndOffsetForEpoch(0));
        Assert.Equal((1, 5L), _log.EndOffsetForEpoch(1));
    }

    [Fact]
    public void Bytes_available_count_from_the_batch_containing_the_offset()
    {
        var size = TestBatches.Create(2).Length;
        Append(TestBatches.Create(2));
        Append(TestBatches.Create(2));

        Assert.Equal(2 * size, _log.BytesAvailableFrom(1));
        Assert.Equal(size, _log.BytesAvailableFrom(2));
        Assert.Equal(0, _log.BytesAvailableFrom(4));
    }
}
