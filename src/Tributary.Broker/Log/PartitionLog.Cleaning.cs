using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>The cleaner configs of a compacted topic.</summary>
/// <param name="DeleteRetentionMs">delete.retention.ms: how long tombstones and markers of emptied transactions stay once cleaned.</param>
/// <param name="MinCompactionLagMs">min.compaction.lag.ms: a segment stays uncleaned while its newest record is younger.</param>
/// <param name="MaxCompactionLagMs">max.compaction.lag.ms: dirty records older than this are cleaned whatever the dirty ratio.</param>
/// <param name="MinCleanableDirtyRatio">min.cleanable.dirty.ratio: the share of dirty bytes that makes a log worth cleaning.</param>
internal readonly record struct CleanerSettings(long DeleteRetentionMs, long MinCompactionLagMs, long MaxCompactionLagMs, double MinCleanableDirtyRatio);

/// <summary>
/// Log compaction, as Kafka's log cleaner does it for cleanup.policy=compact: in the segments it may clean (never
/// the active one, nothing at or past the last stable offset or high watermark, nothing younger than
/// min.compaction.lag.ms) it keeps the latest record per key, drops keyless records and the records of aborted
/// transactions, keeps tombstones until the delete horizon stamped on their batch by the first cleaning that saw
/// them (now + delete.retention.ms, KIP-534), and drops a transaction marker once no data of its transaction remains
/// and its horizon passed. Offsets never change: batches keep their base and last offsets, and a batch left empty is
/// dropped unless it is its producer's last (kept empty so idempotent sequences stay valid, as in Kafka).
/// </summary>
internal sealed partial class PartitionLog
{
    private long _cleanedUpTo; // Kafka's cleaner checkpoint: the first offset not yet cleaned ("first dirty offset")
    private long _nextDeleteHorizon = long.MaxValue; // the earliest delete horizon not yet acted on: cleaning is due again then

    /// <summary>The offset up to which the log has been cleaned (Kafka's cleaner checkpoint).</summary>
    public long CleanedUpTo { get { lock (_lock) return _cleanedUpTo; } }

    /// <summary>
    /// Cleans the log when it is due: its dirty ratio reaches min.cleanable.dirty.ratio, a dirty record is older than
    /// max.compaction.lag.ms, or a delete horizon passed. Returns true when it cleaned.
    /// </summary>
    public bool Clean(long nowMs, CleanerSettings settings)
    {
        lock (_lock)
        {
            var end = CleanableEnd(nowMs, settings);
            var stop = _first;
            while (stop < _batches.Count && _batches[stop].BaseOffset < end) stop++;
            if (stop == _first) return false;

            var firstDirty = Math.Max(_cleanedUpTo, _logStartOffset);
            long clean = 0, dirty = 0;
            var mustClean = false;
            for (var i = _first; i < stop; i++)
            {
                var batch = _batches[i];
                if (batch.LastOffset < firstDirty)
                {
                    clean += batch.Length;
                    continue;
                }
                dirty += batch.Length;
                mustClean |= nowMs >= OverdueAtMs(batch, settings);
            }
            var ratioReached = dirty > 0 && (double)dirty / (clean + dirty) >= settings.MinCleanableDirtyRatio;
            if (!ratioReached && !mustClean && _nextDeleteHorizon > nowMs) return false;

            CleanBatches(stop, nowMs, settings.DeleteRetentionMs);
            _cleanedUpTo = Math.Max(_cleanedUpTo, end);
            return true;
        }
    }

    /// <summary>The base offset of the first segment the cleaner may not touch (Kafka's first uncleanable offset).</summary>
    private long CleanableEnd(long nowMs, CleanerSettings settings)
    {
        var held = FirstUncleanableSegment(nowMs, settings);
        return held < 0 ? _logEndOffset : _segments[held].BaseOffset;
    }

    /// <summary>
    /// The index of the first segment the cleaner may not touch: one reaching past the last stable offset (at most the high
    /// watermark), one younger than min.compaction.lag.ms, or else the active one; -1 while the log has no segment.
    /// </summary>
    private int FirstUncleanableSegment(long nowMs, CleanerSettings settings)
    {
        if (_segments.Count == 0) return -1;
        var stable = LastStableOffsetLocked;
        var i = 0;
        while (i < _segments.Count - 1 && _segments[i + 1].BaseOffset <= stable && nowMs >= CleanableAtMs(_segments[i], settings)) i++;
        return i;
    }

    /// <summary>When a closed segment is old enough for min.compaction.lag.ms.</summary>
    private static long CleanableAtMs(LogSegment segment, CleanerSettings settings) => TimeAfter(segment.LargestTimestamp, settings.MinCompactionLagMs);

    /// <summary>When a dirty batch is older than max.compaction.lag.ms, which forces a cleaning (long.MaxValue: never).</summary>
    private static long OverdueAtMs(in StoredBatch batch, CleanerSettings settings) =>
        settings.MaxCompactionLagMs == long.MaxValue || batch.MaxTimestamp < 0 ? long.MaxValue : TimeAfter(TimeAfter(batch.MaxTimestamp, settings.MaxCompactionLagMs), 1);

    /// <summary>
    /// The earliest time at which <see cref="Clean"/> could find work with nothing appended and no high watermark moving:
    /// a delete horizon passing, the first closed segment held back by min.compaction.lag.ms coming of age, or a dirty
    /// batch passing max.compaction.lag.ms (long.MaxValue: none). Only appends raise the dirty ratio, and only appends
    /// and high watermark advances move the last stable offset. A time already past means cleaning waits for one of those.
    /// </summary>
    public long NextCleaningMs(long nowMs, CleanerSettings settings)
    {
        lock (_lock)
        {
            var next = _nextDeleteHorizon;
            // A closed segment held back only by min.compaction.lag.ms comes of age (one held by the last stable offset waits for an append or the high watermark).
            var held = FirstUncleanableSegment(nowMs, settings);
            if (held >= 0 && held < _segments.Count - 1 && _segments[held + 1].BaseOffset <= LastStableOffsetLocked)
                next = Math.Min(next, CleanableAtMs(_segments[held], settings));
            if (settings.MaxCompactionLagMs == long.MaxValue) return next;
            var firstDirty = Math.Max(_cleanedUpTo, _logStartOffset);
            for (var i = _first; i < _batches.Count; i++)
            {
                if (_batches[i].LastOffset >= firstDirty) next = Math.Min(next, OverdueAtMs(_batches[i], settings));
            }
            return next;
        }
    }

    /// <summary>Rewrites the batches before index <paramref name="stop"/>, keeping what compaction keeps.</summary>
    private void CleanBatches(int stop, long nowMs, long deleteRetentionMs)
    {
        var end = _batches[stop - 1].LastOffset + 1;
        var aborted = _transactions.AbortedOverlapping(_batches[_first].BaseOffset, end);
        bool IsAborted(long producerId, long offset) => aborted.Exists(a => a.ProducerId == producerId && a.FirstOffset <= offset && offset <= a.LastOffset);

        // The latest offset of every key (aborted data and markers never count).
        var latest = new Dictionary<byte[], long>(KeyComparer.Instance);
        var records = new List<CleanerRecord>?[stop - _first];
        for (var i = _first; i < stop; i++)
        {
            var batch = _batches[i];
            var header = batch.Header;
            if (header.IsControl || (header.IsTransactional && IsAborted(header.ProducerId, batch.BaseOffset))) continue;
            records[i - _first] = CompactedBatch.ReadRecords(batch.Bytes);
            foreach (var record in records[i - _first]!)
            {
                if (record.Key is not null) latest[record.Key] = record.Offset;
            }
        }
        // Each producer's last data batch in the whole log: kept even when emptied, for its sequence.
        var lastOfProducer = new Dictionary<long, long>();
        for (var i = _first; i < _batches.Count; i++)
        {
            var header = _batches[i].Header;
            if (header.ProducerId >= 0 && !header.IsControl) lastOfProducer[header.ProducerId] = _batches[i].LastOffset;
        }

        using var output = new PooledBufferWriter(64 * 1024);
        var kept = new List<(StoredBatch Batch, int Start, int Length)>(stop - _first);
        var transactionHasData = new HashSet<long>();
        var nextHorizon = long.MaxValue;
        var carrySegmentStart = false;
        for (var i = _first; i < stop; i++)
        {
            var batch = _batches[i];
            var header = batch.Header;
            var horizon = CompactedBatch.DeleteHorizon(batch.Bytes.Span);
            var horizonPassed = horizon >= 0 && horizon <= nowMs;
            List<CleanerRecord>? retained; // null: every record stays
            var newHorizon = horizon;
            var keepEmpty = false;
            if (header.IsControl)
            {
                var hadData = transactionHasData.Remove(header.ProducerId);
                var marker = ReadMarker(batch);
                // A marker stays while data of its transaction remains; then it gets a horizon, and goes once it passed.
                if (!marker.IsTransactionMarker || hadData) retained = null;
                else if (horizonPassed)
                {
                    retained = [];
                    if (marker.Type == ControlRecordType.Abort) _transactions.RemoveAborted(header.ProducerId, batch.BaseOffset);
                }
                else
                {
                    retained = null;
                    if (horizon < 0) newHorizon = nowMs + deleteRetentionMs;
                }
            }
            else
            {
                var all = records[i - _first] ?? [];
                retained = all.Where(r => r.Key is not null && latest[r.Key] == r.Offset && !(r.IsTombstone && horizonPassed)).ToList();
                if (horizon < 0 && retained.Exists(r => r.IsTombstone)) newHorizon = nowMs + deleteRetentionMs;
                keepEmpty = header.ProducerId >= 0 && lastOfProducer.GetValueOrDefault(header.ProducerId, -1) == batch.LastOffset;
                if (header.IsTransactional && (retained.Count > 0 || keepEmpty)) transactionHasData.Add(header.ProducerId);
                if (retained.Count == header.RecordCount && newHorizon == horizon) retained = null;
            }

            if (retained is { Count: 0 } && !keepEmpty)
            {
                carrySegmentStart |= batch.StartsSegment; // dropped: the next kept batch starts its segment
                continue;
            }
            // A horizon not passed before this cleaning (even one stamped now, with delete.retention.ms=0) makes the next one due.
            if (newHorizon >= 0 && !horizonPassed) nextHorizon = Math.Min(nextHorizon, newHorizon);
            var startsSegment = batch.StartsSegment || carrySegmentStart;
            carrySegmentStart = false;
            if (retained is null && newHorizon == horizon)
            {
                kept.Add((batch with { StartsSegment = startsSegment }, -1, 0));
                continue;
            }
            var start = output.WrittenCount;
            var maxTimestamp = CompactedBatch.Write(output, batch.Bytes.Span, retained ?? CompactedBatch.ReadRecords(batch.Bytes), newHorizon);
            kept.Add((batch with { MaxTimestamp = maxTimestamp, StartsSegment = startsSegment }, start, output.WrittenCount - start));
        }

        // Rewritten batches live in one new chunk; the old chunks stay untouched for readers (and followers) holding them.
        var chunk = output.WrittenCount > 0 ? LogChunk.Create(null, output.WrittenCount, pool: _pool) : null;
        if (chunk is not null) chunk.Append(output.WrittenSpan);
        IReadOnlyList<StoredBatch> cleaned = kept.Select(k => k.Start < 0 ? k.Batch : k.Batch with { Chunk = chunk!, Position = k.Start, Length = k.Length }).ToList();
        // With a data directory the cleaned segments are written anew (the cleaner never touches the active one).
        if (Files is { } files) cleaned = files.Rewrite(cleaned, stop < _batches.Count ? _batches[stop].Chunk as Storage.SegmentFile : null);
        if (carrySegmentStart && stop < _batches.Count) _batches[stop] = _batches[stop] with { StartsSegment = true };
        foreach (var batch in cleaned) batch.Chunk.Retain(); // before the old entries let go: a kept batch's chunk stays held
        ReleaseBatches(_first, stop);
        _batches.RemoveRange(_first, stop - _first);
        _batches.InsertRange(_first, cleaned);

        long position = _first < _batches.Count ? _batches[_first].LogPosition : _endPosition;
        _sizeInBytes = 0;
        for (var i = _first; i < _batches.Count; i++)
        {
            _batches[i] = _batches[i] with { LogPosition = position };
            position += _batches[i].Length;
            _sizeInBytes += _batches[i].Length;
        }
        _endPosition = position;
        _nextDeleteHorizon = nextHorizon;
        RebuildSegments();
    }

    /// <summary>Compares keys by their bytes.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public static KeyComparer Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}
