using System.Runtime.InteropServices;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Log;

/// <summary>
/// Log memory freed by retention, DeleteRecords, followers and deleted replicas goes back to a pool and is written again
/// by the next chunks, but only once nothing holds it: not a log's index, not a fetch being answered, not a follower.
/// </summary>
/// <remarks>
/// Each test has its own pool. Batches of 100 records of 1,000 bytes (about 101 KB) in segments of 256 KiB: the first
/// segment spans a small first chunk and a second one; every later segment is one pooled chunk of two batches (batch i
/// holds offsets 100i to 100i+99). The pool's new memory is plain arrays, so that "the same memory" is the same array;
/// where memory comes from (huge-page slabs) is ChunkMemoryTests' subject, and LogMemoryReuseTests runs these rules on it.
/// </remarks>
public sealed class LogChunkPoolTests
{
    private const int SegmentBytes = LogChunkPool.MinPooledSize;
    private static readonly AppendOptions Options = new(LeaderEpoch: 0, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588) { SegmentBytes = SegmentBytes };
    private static readonly byte[] Batch = TestBatches.Create(100, valueSize: 1_000);
    private readonly LogChunkPool _pool = new(new ChunkMemory(hugePages: false));

    [Fact]
    public void Segments_deleted_by_retention_give_their_memory_to_the_next_segment()
    {
        var log = Leader();
        Append(log, 6); // segments: [0, 1] [2, 3] [4, 5]
        var second = ArrayAt(log, 200);
        Assert.Same(second, ArrayAt(log, 300));

        Assert.Equal(2, log.ApplyRetention(nowMs: 5_000, retentionMs: -1, retentionBytes: log.SizeInBytes / 3 - 1));
        Assert.Equal(2 * SegmentBytes, _pool.PooledBytes);
        Append(log, 2); // a new segment, in the memory freed last

        Assert.Same(second, ArrayAt(log, 600));
        Assert.Equal(SegmentBytes, _pool.ReusedBytes);
        AssertIntact(log, 600);
        AssertIntact(log, 700);
    }

    [Fact]
    public void A_fetch_still_answering_from_a_deleted_segment_keeps_its_memory_from_reuse_until_it_lets_go()
    {
        var log = Leader();
        Append(log, 6);
        var fetch = log.Read(200, int.MaxValue, IsolationLevel.ReadUncommitted);
        var fetched = fetch.Records.ToArray();

        log.DeleteRecordsBefore(400);
        Append(log, 4); // two new segments while the fetch is being answered

        Assert.NotSame(ArrayOf(fetch.Records), ArrayAt(log, 600));
        Assert.NotSame(ArrayOf(fetch.Records), ArrayAt(log, 800));
        Assert.Equal(fetched, fetch.Records.ToArray());
        var pooled = _pool.PooledBytes;
        fetch.Release();
        Assert.Equal(pooled + SegmentBytes, _pool.PooledBytes);
    }

    [Fact]
    public void A_follower_sharing_the_leaders_batches_keeps_them_until_it_drops_them_too()
    {
        var leader = Leader();
        var follower = new PartitionLog(_pool);
        follower.BecomeFollower(0);
        Append(leader, 6);
        var replicated = leader.ReadForReplica(0, int.MaxValue);
        Assert.True(follower.AppendReplicated(replicated.Batches, 0));
        replicated.Release();
        follower.FollowLeader(leader.HighWatermark, leader.LogStartOffset);
        var shared = ArrayAt(leader, 200);
        Assert.Same(shared, ArrayAt(follower, 200));

        leader.DeleteRecordsBefore(400);
        Assert.Equal(0, _pool.PooledBytes);
        Append(leader, 2);
        Assert.NotSame(shared, ArrayAt(leader, 600));
        AssertIntact(follower, 200);

        follower.FollowLeader(leader.HighWatermark, leader.LogStartOffset);
        Assert.Equal(400, follower.LogStartOffset);
        Assert.Equal(2 * SegmentBytes, _pool.PooledBytes);
    }

    [Fact]
    public void A_closed_log_gives_back_all_its_pooled_chunks_the_active_one_included()
    {
        var log = Leader();
        Append(log, 5); // the last chunk, active, holds one batch

        log.Close();

        Assert.Equal(3 * SegmentBytes, _pool.PooledBytes);
    }

    [Fact]
    public void A_follower_starting_over_at_a_later_offset_lets_go_of_what_it_held()
    {
        var leader = Leader();
        Append(leader, 6);
        var follower = new PartitionLog(_pool);
        follower.BecomeFollower(0);
        var replicated = leader.ReadForReplica(0, int.MaxValue);
        follower.AppendReplicated(replicated.Batches, 0);
        replicated.Release();
        leader.Close(); // only the follower holds the batches now
        Assert.Equal(0, _pool.PooledBytes);

        follower.ResetTo(600);

        Assert.Equal(3 * SegmentBytes, _pool.PooledBytes);
    }

    [Fact]
    public void The_pool_keeps_at_most_its_bound_and_gives_back_only_what_waited_longer_than_the_trim_age()
    {
        var fitting = (int)(LogChunkPool.MaxPooledBytes / LogChunkPool.MaxPooledSize);
        var arrays = Enumerable.Range(0, fitting + 2).Select(_ => new byte[LogChunkPool.MaxPooledSize]).ToList();
        foreach (var array in arrays) _pool.Return(array, array.Length);
        Assert.Equal(LogChunkPool.MaxPooledBytes, _pool.PooledBytes);

        var taken = _pool.Rent(LogChunkPool.MaxPooledSize, out var populated);
        Assert.Same(arrays[fitting - 1], taken.Array); // the newest first
        Assert.Equal(LogChunkPool.MaxPooledSize, populated);
        _pool.Return(taken, 0);

        _pool.Trim(returnedBeforeMs: Environment.TickCount64 - LogChunkPool.TrimAfterMs); // a full collection: none waited that long
        Assert.Equal(LogChunkPool.MaxPooledBytes, _pool.PooledBytes);
        _pool.Trim(returnedBeforeMs: long.MaxValue); // memory is short: all go
        Assert.Equal(0, _pool.PooledBytes);
    }

    [Fact]
    public void Arrays_not_of_a_pooled_size_are_left_to_the_collector()
    {
        _pool.Return(new byte[LogChunkPool.MinPooledSize - 1], 0);
        _pool.Return(new byte[LogChunkPool.MinPooledSize + 1], 0);
        _pool.Return(new byte[LogChunkPool.MaxPooledSize * 2], 0);
        Assert.Equal(0, _pool.PooledBytes);
        Assert.Equal(LogChunkPool.MinPooledSize, LogChunkPool.CapacityFor(LogChunkPool.MinPooledSize / 2 + 1));
        Assert.Equal(LogChunkPool.MinPooledSize / 2, LogChunkPool.CapacityFor(LogChunkPool.MinPooledSize / 2));
    }

    [Fact]
    public void A_chunk_used_after_its_memory_went_back_to_the_pool_throws_instead_of_reading_it()
    {
        var chunk = LogChunk.Create(null, LogChunkPool.MinPooledSize, pool: _pool);
        chunk.Append(Batch);
        chunk.Retain();
        chunk.Release();

        Assert.Throws<InvalidOperationException>(() => chunk.Slice(0, Batch.Length));
        Assert.Throws<InvalidOperationException>(chunk.Retain);
        Assert.Throws<InvalidOperationException>(chunk.Release);
    }

    private PartitionLog Leader()
    {
        var log = new PartitionLog(_pool);
        log.BecomeLeader(0);
        return log;
    }

    private static void Append(PartitionLog log, int batches)
    {
        for (var i = 0; i < batches; i++) Assert.Equal(ErrorCode.None, log.Append(Batch, Options).Error);
    }

    private static byte[] ArrayAt(PartitionLog log, long offset)
    {
        var read = log.Read(offset, 1, IsolationLevel.ReadUncommitted);
        try
        {
            return ArrayOf(read.Records);
        }
        finally
        {
            read.Release();
        }
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> records)
    {
        Assert.True(MemoryMarshal.TryGetArray(records, out var segment));
        return segment.Array!;
    }

    /// <summary>The batch holding <paramref name="offset"/> is the one appended there, its checksum intact.</summary>
    private static void AssertIntact(PartitionLog log, long offset)
    {
        var read = log.Read(offset, 1, IsolationLevel.ReadUncommitted);
        var header = new RecordBatchHeader(read.Records.Span);
        Assert.Equal(offset / 100 * 100, header.BaseOffset);
        Assert.Equal(header.ComputeCrc(), header.Crc);
        Assert.Equal(Batch.AsSpan(RecordBatchLayout.AttributesOffset).ToArray(), read.Records.Span[RecordBatchLayout.AttributesOffset..Batch.Length].ToArray());
        read.Release();
    }
}
