using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>
/// The in-memory log of one partition. Batches are stored as produced, rewriting only baseOffset and
/// partitionLeaderEpoch, and fetched back as the same bytes. Thread-safe: one lock per partition.
/// </summary>
/// <remarks>
/// Replicas share this one log (replication is modelled, not performed), so the high watermark is the log
/// end offset. The last stable offset is the start of the earliest open transaction, else the high watermark.
/// </remarks>
internal sealed class PartitionLog
{
    private readonly Lock _lock = new();
    private readonly List<StoredBatch> _batches = new();
    private readonly ProducerStateTable _producers = new();
    private readonly PartitionTransactions _transactions = new();
    private readonly LeaderEpochCache _epochs = new();
    private int _first; // index in _batches of the first live batch; removal from the front only moves it
    private LogChunk? _chunk;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _sizeInBytes;
    private long _endPosition; // bytes ever appended: positions let a fetch waiter count bytes past an offset

    /// <summary>Raised after every append (outside the lock), to wake waiting fetches.</summary>
    public event Action? Appended;

    /// <summary>The first offset still in the log.</summary>
    public long LogStartOffset { get { lock (_lock) return _logStartOffset; } }

    /// <summary>The offset the next record will get.</summary>
    public long LogEndOffset { get { lock (_lock) return _logEndOffset; } }

    /// <summary>The offset up to which records are readable (all replicas share the log: the log end).</summary>
    public long HighWatermark => LogEndOffset;

    /// <summary>The offset below which no transaction is open: what read_committed consumers may read up to.</summary>
    public long LastStableOffset { get { lock (_lock) return LastStableOffsetLocked; } }

    /// <summary>Bytes of all stored batches.</summary>
    public long SizeInBytes { get { lock (_lock) return _sizeInBytes; } }

    /// <summary>Number of stored batches.</summary>
    public int BatchCount { get { lock (_lock) return _batches.Count - _first; } }

    /// <summary>Records that a new leader with <paramref name="leaderEpoch"/> took over at the current log end.</summary>
    public void BecomeLeader(int leaderEpoch)
    {
        lock (_lock) _epochs.Assign(leaderEpoch, _logEndOffset);
    }

    /// <summary>
    /// Validates and appends the batches of one produce request. Either all batches are stored or none.
    /// A retried idempotent batch is not stored again: the answer is DUPLICATE_SEQUENCE_NUMBER with its original offset.
    /// </summary>
    public AppendResult Append(ReadOnlySpan<byte> records, AppendOptions options)
    {
        var error = BatchValidator.Validate(records, options.MaxMessageBytes);
        if (error == ErrorCode.None) error = BatchValidator.ValidateTimestamps(records, options);
        if (error != ErrorCode.None) return new AppendResult(error, -1, -1, LogStartOffset);

        AppendResult result;
        lock (_lock)
        {
            var check = CheckProducers(records);
            if (check.Error != ErrorCode.None)
            {
                return new AppendResult(check.Error, check.DuplicateBaseOffset, -1, _logStartOffset);
            }
            var baseOffset = _logEndOffset;
            for (var rest = records; !rest.IsEmpty;)
            {
                var size = (int)new RecordBatchHeader(rest).TotalSize;
                Store(rest[..size], options);
                rest = rest[size..];
            }
            result = new AppendResult(ErrorCode.None, baseOffset, options.UseLogAppendTime ? options.NowMs : -1, _logStartOffset);
        }
        Appended?.Invoke();
        return result;
    }

    private SequenceCheck CheckProducers(ReadOnlySpan<byte> records)
    {
        for (var rest = records; !rest.IsEmpty; rest = rest[(int)new RecordBatchHeader(rest).TotalSize..])
        {
            var header = new RecordBatchHeader(rest);
            // Only the transaction coordinator writes control batches (Kafka refuses them from clients).
            if (header.IsControl) return new SequenceCheck(ErrorCode.InvalidRecord);
            if (header.ProducerId < 0)
            {
                if (header.IsTransactional) return new SequenceCheck(ErrorCode.InvalidRecord);
                continue;
            }
            var check = _producers.Check(header.ProducerId, header.ProducerEpoch, header.BaseSequence, LastSequence(header.BaseSequence, header.LastOffsetDelta));
            if (check.Error != ErrorCode.None) return check;
            var transactional = _transactions.Check(header.ProducerId, header.ProducerEpoch, header.IsTransactional);
            if (transactional != ErrorCode.None) return new SequenceCheck(transactional);
        }
        return SequenceCheck.Accepted;
    }

    /// <summary>Sequences wrap from int.MaxValue to 0, as in Kafka.</summary>
    private static int LastSequence(int firstSequence, int lastOffsetDelta) =>
        (int)(((long)firstSequence + lastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>
    /// Lets <paramref name="producerId"/> at <paramref name="epoch"/> write transactional batches here: the
    /// partition was added to its transaction (AddPartitionsToTxn). The transaction's marker revokes it.
    /// </summary>
    public void AdmitTransactionalProducer(long producerId, short epoch)
    {
        lock (_lock) _transactions.Admit(producerId, epoch);
    }

    /// <summary>
    /// Writes a COMMIT or ABORT marker (a control batch) for the producer's transaction, as WriteTxnMarkers does:
    /// the transaction closes here, the last stable offset may move, and an abort enters the aborted index.
    /// </summary>
    public void AppendMarker(long producerId, short producerEpoch, ControlRecord marker, AppendOptions options)
    {
        using var output = new PooledBufferWriter();
        ControlBatchWriter.Write(output, marker, producerId, producerEpoch, options.NowMs);
        lock (_lock)
        {
            var markerOffset = _logEndOffset;
            Store(output.WrittenSpan, options with { UseLogAppendTime = false });
            _producers.RecordMarker(producerId, producerEpoch, options.NowMs);
            _transactions.OnMarkerStored(producerId, marker.Type == ControlRecordType.Commit, marker.CoordinatorEpoch, markerOffset);
        }
        Appended?.Invoke();
    }

    /// <summary>The producers that wrote here, with their open transaction's first offset (DescribeProducers).</summary>
    public IReadOnlyList<ActiveProducer> DescribeProducers()
    {
        lock (_lock)
        {
            return _producers.Snapshot()
                .Select(p => new ActiveProducer(p.ProducerId, p.Epoch, p.LastSequence, p.LastTimestamp,
                    _transactions.CoordinatorEpoch(p.ProducerId), _transactions.OpenTransactionStart(p.ProducerId)))
                .ToList();
        }
    }

    private void Store(ReadOnlySpan<byte> batch, AppendOptions options)
    {
        if (_chunk is null || !_chunk.HasRoomFor(batch.Length)) _chunk = LogChunk.Create(_chunk, batch.Length);
        var position = _chunk.Used;
        var stored = _chunk.Append(batch).Span;
        var baseOffset = _logEndOffset;
        RecordBatchRewriter.SetBaseOffset(stored, baseOffset);
        RecordBatchRewriter.SetPartitionLeaderEpoch(stored, options.LeaderEpoch);
        if (options.UseLogAppendTime) RecordBatchRewriter.SetLogAppendTime(stored, options.NowMs);

        var header = new RecordBatchHeader(stored);
        var lastOffset = header.LastOffset;
        _batches.Add(new StoredBatch(_chunk, position, stored.Length, baseOffset, lastOffset, header.MaxTimestamp, options.NowMs, _endPosition, header.IsControl));
        if (header.ProducerId >= 0 && !header.IsControl)
        {
            _producers.Record(header.ProducerId, header.ProducerEpoch, header.BaseSequence,
                LastSequence(header.BaseSequence, header.LastOffsetDelta), baseOffset, lastOffset, header.MaxTimestamp);
            _transactions.OnDataStored(header.ProducerId, header.IsTransactional, baseOffset);
        }
        _epochs.Assign(options.LeaderEpoch, baseOffset);
        _logEndOffset = lastOffset + 1;
        _sizeInBytes += stored.Length;
        _endPosition += stored.Length;
    }

    /// <summary>
    /// Reads whole batches starting with the one that contains <paramref name="offset"/>, up to
    /// <paramref name="maxBytes"/> but always at least one batch (as Kafka does, so a big batch is never stuck).
    /// </summary>
    public LogReadResult Read(long offset, int maxBytes, IsolationLevel isolation)
    {
        lock (_lock)
        {
            var limit = isolation == IsolationLevel.ReadCommitted ? LastStableOffsetLocked : _logEndOffset;
            if (offset < _logStartOffset || offset > _logEndOffset)
                return new LogReadResult(ErrorCode.OffsetOutOfRange, ReadOnlyMemory<byte>.Empty, _logEndOffset, LastStableOffsetLocked, _logStartOffset, []);

            var index = IndexOfBatchContaining(offset);
            var records = ReadOnlyMemory<byte>.Empty;
            List<AbortedTransactionRange> aborted = [];
            if (index >= 0 && _batches[index].BaseOffset < limit)
            {
                var start = _batches[index];
                var length = start.Length;
                var end = start.LastOffset;
                for (var next = index + 1; next < _batches.Count; next++)
                {
                    var batch = _batches[next];
                    var contiguous = batch.Chunk == start.Chunk && batch.Position == start.Position + length;
                    if (!contiguous || batch.BaseOffset >= limit || length + batch.Length > maxBytes) break;
                    length += batch.Length;
                    end = batch.LastOffset;
                }
                records = start.Chunk.Slice(start.Position, length);
                if (isolation == IsolationLevel.ReadCommitted) aborted = _transactions.AbortedOverlapping(offset, end + 1);
            }
            return new LogReadResult(ErrorCode.None, records, _logEndOffset, LastStableOffsetLocked, _logStartOffset, aborted);
        }
    }

    private long LastStableOffsetLocked => Math.Max(_logStartOffset, _transactions.FirstOpenOffset ?? _logEndOffset);

    /// <summary>
    /// How many stored bytes lie at or after <paramref name="offset"/> (what a fetch from there could return);
    /// for read_committed only those below the last stable offset.
    /// </summary>
    public long BytesAvailableFrom(long offset, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        lock (_lock)
        {
            var index = IndexOfBatchContaining(Math.Max(offset, _logStartOffset));
            if (index < 0) return 0;
            var end = _endPosition;
            if (isolation == IsolationLevel.ReadCommitted)
            {
                var stable = IndexOfBatchContaining(LastStableOffsetLocked);
                if (stable >= 0) end = _batches[stable].LogPosition;
            }
            return Math.Max(0, end - _batches[index].LogPosition);
        }
    }

    /// <summary>The index of the live batch whose offsets include <paramref name="offset"/>, or -1.</summary>
    private int IndexOfBatchContaining(long offset)
    {
        int low = _first, high = _batches.Count - 1;
        while (low <= high)
        {
            var mid = low + ((high - low) >> 1);
            if (_batches[mid].LastOffset < offset) low = mid + 1;
            else high = mid - 1;
        }
        return low < _batches.Count ? low : -1;
    }

    /// <summary>ListOffsets by timestamp: the first record (at or after the log start) whose timestamp is at least <paramref name="timestamp"/>.</summary>
    public OffsetAndTimestamp OffsetForTimestamp(long timestamp)
    {
        lock (_lock)
        {
            for (var i = _first; i < _batches.Count; i++)
            {
                var batch = _batches[i];
                if (batch.MaxTimestamp < timestamp || batch.IsControl) continue;
                var found = RecordTimestamps.FirstAtOrAfter(batch.Chunk.Slice(batch.Position, batch.Length), timestamp, _logStartOffset);
                if (found.Offset >= 0) return found;
            }
            return OffsetAndTimestamp.None;
        }
    }

    /// <summary>ListOffsets MAX_TIMESTAMP: the first record carrying the largest timestamp in the log.</summary>
    public OffsetAndTimestamp OffsetOfMaxTimestamp()
    {
        lock (_lock)
        {
            var best = -1;
            for (var i = _first; i < _batches.Count; i++)
            {
                if (!_batches[i].IsControl && (best < 0 || _batches[i].MaxTimestamp > _batches[best].MaxTimestamp)) best = i;
            }
            if (best < 0) return OffsetAndTimestamp.None;
            var batch = _batches[best];
            return RecordTimestamps.FirstAtOrAfter(batch.Chunk.Slice(batch.Position, batch.Length), batch.MaxTimestamp, _logStartOffset);
        }
    }

    /// <summary>OffsetForLeaderEpoch: the largest epoch at most <paramref name="leaderEpoch"/> and where it ended.</summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int leaderEpoch)
    {
        lock (_lock) return _epochs.EndOffsetFor(leaderEpoch, _logEndOffset);
    }

    /// <summary>
    /// DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1 means the high watermark) and
    /// drops the batches that lie wholly before it. Returns OFFSET_OUT_OF_RANGE past the high watermark.
    /// </summary>
    public (ErrorCode Error, long LowWatermark) DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            if (offset == -1) offset = _logEndOffset;
            if (offset < 0 || offset > _logEndOffset) return (ErrorCode.OffsetOutOfRange, _logStartOffset);
            if (offset > _logStartOffset)
            {
                _logStartOffset = offset;
                while (_first < _batches.Count && _batches[_first].LastOffset < offset) RemoveFirst();
                AfterFrontRemoval();
            }
            return (ErrorCode.None, _logStartOffset);
        }
    }

    /// <summary>
    /// Deletes whole batches from the front that are older than <paramref name="retentionMs"/> (by their max
    /// timestamp) or that the log can lose while still holding <paramref name="retentionBytes"/> (Kafka's rule
    /// for segments). A negative limit means unlimited. Returns the number of batches removed.
    /// </summary>
    public int ApplyRetention(long nowMs, long retentionMs, long retentionBytes)
    {
        lock (_lock)
        {
            var removed = 0;
            while (_first < _batches.Count)
            {
                var batch = _batches[_first];
                var timestamp = batch.MaxTimestamp >= 0 ? batch.MaxTimestamp : batch.AppendTimeMs;
                var expired = retentionMs >= 0 && nowMs - timestamp > retentionMs;
                var oversized = retentionBytes >= 0 && _sizeInBytes - batch.Length >= retentionBytes;
                if (!expired && !oversized) break;
                _logStartOffset = Math.Max(_logStartOffset, batch.LastOffset + 1);
                RemoveFirst();
                removed++;
            }
            if (removed > 0) AfterFrontRemoval();
            return removed;
        }
    }

    private void RemoveFirst()
    {
        _sizeInBytes -= _batches[_first].Length;
        _batches[_first] = default;
        _first++;
    }

    private void AfterFrontRemoval()
    {
        _producers.RemoveBatchesBefore(_logStartOffset);
        _transactions.RemoveBefore(_logStartOffset);
        // Compact the index now and then so removal from the front stays cheap on average.
        if (_first > 1024 && _first > _batches.Count / 2)
        {
            _batches.RemoveRange(0, _first);
            _first = 0;
        }
    }

    private readonly record struct StoredBatch(
        LogChunk Chunk, int Position, int Length, long BaseOffset, long LastOffset, long MaxTimestamp, long AppendTimeMs, long LogPosition, bool IsControl);
}
