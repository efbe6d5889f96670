namespace Tributary.Broker.Log;

/// <summary>
/// One segment of a partition log, as Kafka rolls them: the batches from <see cref="BaseOffset"/> up to the next
/// segment's base offset (or the log end, for the last, active segment). Retention deletes whole segments and
/// the cleaner compacts only segments that are no longer active, as in Kafka.
/// </summary>
/// <remarks>
/// In memory the batches stay in the log's one offset-ordered index and a segment is a summary of a run of
/// them (where it starts, its size and timestamps); which batch starts a segment is a flag on the stored batch,
/// so followers roll exactly where their leader rolled. With a data directory each segment is also a
/// <c>&lt;baseOffset&gt;.log</c> file (<see cref="Storage.SegmentFile"/>), rolled and deleted with it.
/// </remarks>
internal sealed class LogSegment(long baseOffset, long rollingTimestamp, long createdMs)
{
    /// <summary>The offset of the first batch stored in the segment when it was rolled (later batches may start after it once cleaned).</summary>
    public long BaseOffset { get; } = baseOffset;

    /// <summary>The max timestamp of the segment's first batch, which time-based rolling counts from (-1 when it has none).</summary>
    public long RollingTimestamp { get; } = rollingTimestamp;

    /// <summary>The broker time the segment was rolled, for batches without timestamps.</summary>
    public long CreatedMs { get; } = createdMs;

    /// <summary>Bytes of the batches in the segment.</summary>
    public long SizeInBytes { get; private set; }

    /// <summary>The largest timestamp of the segment's batches (their append time where they have none): what retention.ms compares.</summary>
    public long LargestTimestamp { get; private set; } = -1;

    /// <summary>Counts a batch stored in this segment.</summary>
    public void Add(in StoredBatch batch)
    {
        SizeInBytes += batch.Length;
        LargestTimestamp = Math.Max(LargestTimestamp, batch.MaxTimestamp >= 0 ? batch.MaxTimestamp : batch.AppendTimeMs);
    }

    /// <summary>
    /// Kafka's rolling rule: a non-empty segment is closed when the next batch would take it past
    /// <paramref name="segmentBytes"/>, or when that batch's timestamp lies <paramref name="segmentMs"/> or more past the
    /// segment's first (past its creation, for batches without timestamps).
    /// </summary>
    public bool ShouldRoll(int batchSize, long batchMaxTimestamp, long nowMs, long segmentBytes, long segmentMs)
    {
        if (SizeInBytes == 0) return false;
        if (SizeInBytes > segmentBytes - batchSize) return true;
        var waited = RollingTimestamp >= 0 && batchMaxTimestamp >= 0 ? batchMaxTimestamp - RollingTimestamp : nowMs - CreatedMs;
        return waited > segmentMs;
    }
}
