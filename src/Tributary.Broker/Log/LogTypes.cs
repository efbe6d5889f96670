using Tributary.Broker.Transactions;
using Tributary.Protocol;

namespace Tributary.Broker.Log;

/// <summary>Which records a fetch may see: everything up to the high watermark, or only committed ones.</summary>
internal enum IsolationLevel : sbyte
{
    /// <summary>Up to the high watermark, including records of open or aborted transactions.</summary>
    ReadUncommitted = 0,

    /// <summary>Up to the last stable offset.</summary>
    ReadCommitted = 1,
}

/// <summary>How an append stamps the batches it stores.</summary>
/// <param name="LeaderEpoch">The partition's current leader epoch, written into every batch.</param>
/// <param name="NowMs">The broker's clock, for LogAppendTime and time-based retention.</param>
/// <param name="UseLogAppendTime">True for topics with message.timestamp.type=LogAppendTime.</param>
/// <param name="MaxMessageBytes">The topic's max.message.bytes: the largest batch accepted.</param>
/// <param name="MaxTimestampAheadMs">message.timestamp.after.max.ms: how far past the broker's clock a CreateTime timestamp may lie.</param>
/// <param name="MaxTimestampBehindMs">message.timestamp.before.max.ms: how far before the broker's clock a CreateTime timestamp may lie.</param>
/// <param name="SegmentBytes">segment.bytes: the size at which the active segment is rolled.</param>
/// <param name="SegmentMs">segment.ms: the time span after which the active segment is rolled.</param>
/// <param name="FromCoordinator">
/// A group or transaction coordinator writes (Kafka's AppendOrigin.COORDINATOR): a transactional batch of a producer's
/// offsets carries no sequence, so sequences are not checked; the producer's admission to the transaction still is.
/// </param>
internal readonly record struct AppendOptions(int LeaderEpoch, long NowMs, bool UseLogAppendTime, int MaxMessageBytes,
    long MaxTimestampAheadMs = long.MaxValue, long MaxTimestampBehindMs = long.MaxValue, long SegmentBytes = long.MaxValue, long SegmentMs = long.MaxValue,
    bool FromCoordinator = false);

/// <summary>The answer to one partition of a produce request.</summary>
/// <param name="Error">None, or why nothing was appended.</param>
/// <param name="BaseOffset">The offset of the first record appended (or of the original batch, for a duplicate).</param>
/// <param name="LogAppendTimeMs">The append time when the topic uses LogAppendTime, else -1.</param>
/// <param name="LogStartOffset">The log start offset after the append.</param>
/// <param name="LastOffset">The offset of the last record appended (or of the original batch's first, for a duplicate); -1 on error.</param>
internal readonly record struct AppendResult(ErrorCode Error, long BaseOffset, long LogAppendTimeMs, long LogStartOffset, long LastOffset = -1);

/// <summary>The answer to one partition of a fetch: whole stored batches, exactly as they are kept.</summary>
/// <param name="Error">None, or OFFSET_OUT_OF_RANGE.</param>
/// <param name="Records">Stored batches back to back (empty when nothing is available).</param>
/// <param name="HighWatermark">The high watermark.</param>
/// <param name="LastStableOffset">The last stable offset.</param>
/// <param name="LogStartOffset">The log start offset.</param>
/// <param name="AbortedTransactions">For read_committed: the aborted transactions overlapping the returned records.</param>
/// <param name="Held">
/// The memory <paramref name="Records"/> lie in, held for the reader so that no other log reuses it meanwhile; null when
/// there are no records. The reader lets go with <see cref="Release"/> once done with the records (never reading them
/// after); a reader that never does only keeps the memory from being reused.
/// </param>
internal readonly record struct LogReadResult(ErrorCode Error, ReadOnlyMemory<byte> Records, long HighWatermark, long LastStableOffset, long LogStartOffset,
    IReadOnlyList<AbortedTransactionRange> AbortedTransactions, BatchStorage? Held = null)
{
    /// <summary>Lets go of <see cref="Held"/>: the records must not be read after.</summary>
    public void Release() => Held?.Release();
}

/// <summary>An offset found by ListOffsets, with the timestamp of the batch it was found in (-1 when none).</summary>
internal readonly record struct OffsetAndTimestamp(long Offset, long Timestamp)
{
    /// <summary>The protocol's "not found" answer.</summary>
    public static OffsetAndTimestamp None => new(-1, -1);
}
