using Tributary.Broker.Log.Storage;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>
/// The in-memory log of one replica of a partition. Batches are stored as produced, rewriting only baseOffset
/// and partitionLeaderEpoch, and fetched back as the same bytes. Thread-safe: one lock per replica.
/// </summary>
/// <remarks>
/// <para>A leader replica takes appends from producers (and markers from the transaction coordinator); a follower
/// takes the leader's stored batches as they are (<see cref="AppendReplicated"/>): the same chunk memory, never a
/// copy, so replication costs no bytes per message. Producer state, open transactions and the aborted index are
/// rebuilt from the batches on every replica, so a follower that becomes leader checks sequences as its leader did.</para>
/// <para>The high watermark is set from outside (the partition's leader takes the smallest log end over the ISR);
/// while the leader is the only in-sync replica it follows the log end at every append. Reads for consumers never
/// go past it; the last stable offset is the start of the earliest open transaction, at most the high watermark.</para>
/// <para>Batches are grouped into <see cref="LogSegment"/>s rolled by segment.bytes and segment.ms; retention deletes
/// whole segments, and the cleaner of compacted topics (PartitionLog.Cleaning.cs) rewrites closed ones.</para>
/// <para>With a data directory (<see cref="PartitionFiles"/>) every change also goes to the replica's segment files,
/// under the same lock: appends are written at once, and the stored batches point into the files, which keep only
/// the newest bytes in memory; a restarted broker rebuilds the log from them (<see cref="Recover"/>).</para>
/// </remarks>
internal sealed partial class PartitionLog
{
    private readonly Lock _lock = new();
    private readonly List<StoredBatch> _batches = new();
    private readonly List<LogSegment> _segments = new(); // summaries of runs of _batches from _first; the last is active
    private readonly List<(long Offset, TaskCompletionSource<bool> Reached)> _highWatermarkWaiters = new();
    private readonly ProducerStateTable _producers = new();
    private readonly PartitionTransactions _transactions = new();
    private readonly LeaderEpochCache _epochs = new();
    private readonly PartitionFiles? _files; // null: in memory only
    private bool _closed; // the broker shut down or the replica was deleted: the log takes no more writes
    private PartitionFiles? Files => _closed ? null : _files; // the files while they are open
    private int _first; // index in _batches of the first live batch; removal from the front only moves it
    private readonly LogChunkPool? _pool; // null: the shared pool
    private LogChunk? _chunk; // the chunk appends go to; the log holds it (LogChunk.Retain) until it starts another
    private long _logStartOffset;
    private long _logEndOffset;
    private long _sizeInBytes;
    private long _endPosition; // bytes ever appended: positions let a fetch waiter count bytes past an offset
    private long _highWatermark;
    private bool _isLeader = true; // a log made on its own is a lone leader; partitions assign roles
    private int _leaderEpoch = -1;
    private bool _highWatermarkFollowsLogEnd = true;
    private int _truncatedForEpoch = -1;

    /// <summary>A log kept in memory only, its chunks from <paramref name="pool"/> (the shared pool when null).</summary>
    public PartitionLog(LogChunkPool? pool = null) => _pool = pool;

    private PartitionLog(PartitionFiles files) => _files = files;

    /// <summary>
    /// The log of a replica kept in <paramref name="files"/>: what they hold after recovery (torn tails cut off, indexes
    /// rebuilt), with the producer state, open transactions, aborted index and leader epochs the batches and the
    /// leader-epoch-checkpoint give. A new replica's directory is empty, and so is its log.
    /// </summary>
    /// <param name="files">The replica's directory.</param>
    /// <param name="cleanShutdown">The broker stopped cleanly: only the batch headers are read, no CRC checked.</param>
    /// <param name="checkpointed">
    /// The log start offset and high watermark the broker's checkpoint files last recorded for the replica (Kafka's
    /// log-start-offset-checkpoint and replication-offset-checkpoint): a start moved inside a segment (DeleteRecords)
    /// stays where it was, and the high watermark starts there rather than at zero.
    /// </param>
    public static PartitionLog Recover(PartitionFiles files, bool cleanShutdown, CheckpointedOffsets checkpointed = default)
    {
        var log = new PartitionLog(files);
        var recovered = files.Recover(cleanShutdown);
        lock (log._lock)
        {
            log._logStartOffset = log._logEndOffset = log._cleanedUpTo = recovered.LogStartOffset;
            foreach (var batch in recovered.Batches) log.Index(batch, batch);
            // As Kafka: a checkpointed start past the log end (its tail lost in a crash) starts the log over there.
            if (checkpointed.LogStartOffset > log._logEndOffset) log.ResetToLocked(checkpointed.LogStartOffset);
            else if (checkpointed.LogStartOffset > log._logStartOffset) log.MoveStartLocked(checkpointed.LogStartOffset);
            log._highWatermark = Math.Clamp(checkpointed.HighWatermark, log._logStartOffset, log._logEndOffset);
            foreach (var (epoch, startOffset) in recovered.LeaderEpochs)
            {
                // Epochs won by elections that wrote nothing before the stop are only in the checkpoint.
                if (epoch > log._epochs.LatestEpoch && startOffset <= log._logEndOffset) log._epochs.Assign(epoch, startOffset);
            }
            files.WriteLeaderEpochs(log._epochs.Entries);
            files.RecoveryDone();
        }
        return log;
    }

    /// <summary>Where the replica's files are, or null for a log in memory.</summary>
    public string? Directory => _files?.Directory;

    /// <summary>Raised after every append and every high watermark advance (outside the lock), to wake waiting fetches.</summary>
    public event Action? Changed;

    /// <summary>
    /// Touched with every <see cref="Changed"/>, so that log maintenance runs only on the ticks that can find work
    /// (null: no timer, as for a log on its own).
    /// </summary>
    public RetentionTimer? RetentionTimer { get; set; }

    private void OnChanged()
    {
        Changed?.Invoke();
        RetentionTimer?.Touch();
    }

    /// <summary>The first offset still in the log.</summary>
    public long LogStartOffset { get { lock (_lock) return _logStartOffset; } }

    /// <summary>The offset the next record will get.</summary>
    public long LogEndOffset { get { lock (_lock) return _logEndOffset; } }

    /// <summary>The offset up to which records are replicated to every in-sync replica, and readable by consumers.</summary>
    public long HighWatermark { get { lock (_lock) return _highWatermark; } }

    /// <summary>The newest leader epoch this replica has seen in its log (or as leader), or -1.</summary>
    public int LatestEpoch { get { lock (_lock) return _epochs.LatestEpoch; } }

    /// <summary>The offset below which no transaction is open: what read_committed consumers may read up to.</summary>
    public long LastStableOffset { get { lock (_lock) return LastStableOffsetLocked; } }

    /// <summary>Bytes of all stored batches.</summary>
    public long SizeInBytes { get { lock (_lock) return _sizeInBytes; } }

    /// <summary>Number of stored batches.</summary>
    public int BatchCount { get { lock (_lock) return _batches.Count - _first; } }

    /// <summary>Number of segments (0 while the log holds no batch).</summary>
    public int SegmentCount { get { lock (_lock) return _segments.Count; } }

    /// <summary>The base offsets of the segments, oldest first.</summary>
    public IReadOnlyList<long> SegmentBaseOffsets { get { lock (_lock) return _segments.Select(s => s.BaseOffset).ToList(); } }

    /// <summary>
    /// Makes this replica the leader at <paramref name="leaderEpoch"/>, which starts at the current log end (for
    /// OffsetForLeaderEpoch). Its high watermark stays where it was until the followers report.
    /// </summary>
    /// <param name="leaderEpoch">The new leader epoch.</param>
    /// <param name="soleInSyncReplica">True when the ISR is this replica alone: the high watermark then follows the log end.</param>
    public void BecomeLeader(int leaderEpoch, bool soleInSyncReplica = true)
    {
        lock (_lock)
        {
            _isLeader = true;
            _leaderEpoch = leaderEpoch;
            _truncatedForEpoch = leaderEpoch;
            if (_epochs.Assign(leaderEpoch, _logEndOffset)) Files?.WriteLeaderEpochs(_epochs.Entries);
            _highWatermarkFollowsLogEnd = false;
        }
        SetSoleInSyncReplica(soleInSyncReplica);
    }

    /// <summary>
    /// Makes this replica a follower of the leader of <paramref name="leaderEpoch"/>: producers are refused, and
    /// acks=all requests waiting here are answered as no longer led here.
    /// </summary>
    public void BecomeFollower(int leaderEpoch)
    {
        List<TaskCompletionSource<bool>> lost;
        lock (_lock)
        {
            _isLeader = false;
            _leaderEpoch = leaderEpoch;
            _highWatermarkFollowsLogEnd = false;
            lost = _highWatermarkWaiters.Select(w => w.Reached).ToList();
            _highWatermarkWaiters.Clear();
        }
        foreach (var waiter in lost) waiter.TrySetResult(false);
    }

    /// <summary>
    /// Says whether the leader is the only in-sync replica; while it is, every append moves the high watermark
    /// to the log end at once.
    /// </summary>
    public void SetSoleInSyncReplica(bool sole)
    {
        bool advanced;
        lock (_lock)
        {
            _highWatermarkFollowsLogEnd = sole && _isLeader;
            advanced = _highWatermarkFollowsLogEnd && SetHighWatermarkLocked(_logEndOffset);
        }
        if (advanced) AfterHighWatermarkAdvance();
    }

    /// <summary>
    /// Validates and appends the batches of one produce request. Either all batches are stored or none.
    /// A retried idempotent batch is not stored again: the result is DUPLICATE_SEQUENCE_NUMBER with its original offset
    /// (which Produce answers as success, as Kafka does).
    /// </summary>
    public AppendResult Append(ReadOnlySpan<byte> records, AppendOptions options)
    {
        var error = BatchValidator.Validate(records, options.MaxMessageBytes);
        if (error == ErrorCode.None) error = BatchValidator.ValidateTimestamps(records, options);
        if (error != ErrorCode.None) return new AppendResult(error, -1, -1, LogStartOffset);

        AppendResult result;
        bool advanced;
        lock (_lock)
        {
            if (!IsLeaderAt(options.LeaderEpoch)) return new AppendResult(ErrorCode.NotLeaderOrFollower, -1, -1, _logStartOffset);
            var check = CheckProducers(records, options.FromCoordinator);
            if (check.Error != ErrorCode.None)
            {
                return new AppendResult(check.Error, check.DuplicateBaseOffset, -1, _logStartOffset, check.DuplicateBaseOffset);
            }
            var baseOffset = _logEndOffset;
            for (var rest = records; !rest.IsEmpty;)
            {
                var size = (int)new RecordBatchHeader(rest).TotalSize;
                Store(rest[..size], options);
                rest = rest[size..];
            }
            result = new AppendResult(ErrorCode.None, baseOffset, options.UseLogAppendTime ? options.NowMs : -1, _logStartOffset, _logEndOffset - 1);
            advanced = _highWatermarkFollowsLogEnd && SetHighWatermarkLocked(_logEndOffset);
        }
        if (advanced) AfterHighWatermarkAdvance();
        else OnChanged();
        return result;
    }

    /// <summary>True while this replica leads at <paramref name="leaderEpoch"/> (a log made on its own leads at any epoch).</summary>
    private bool IsLeaderAt(int leaderEpoch) => _isLeader && !_closed && leaderEpoch >= _leaderEpoch;

    private SequenceCheck CheckProducers(ReadOnlySpan<byte> records, bool fromCoordinator)
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
            var check = fromCoordinator ? SequenceCheck.Accepted
                : _producers.Check(header.ProducerId, header.ProducerEpoch, header.BaseSequence, LastSequence(header.BaseSequence, header.LastOffsetDelta));
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

    /// <summary>Withdraws the admission of <paramref name="producerId"/>: its transaction ended (its marker went to the leader).</summary>
    public void RevokeTransactionalProducer(long producerId)
    {
        lock (_lock) _transactions.Revoke(producerId);
    }

    /// <summary>
    /// Writes a COMMIT or ABORT marker (a control batch) for the producer's transaction, as WriteTxnMarkers does:
    /// the transaction closes here, the last stable offset may move, and an abort enters the aborted index.
    /// </summary>
    /// <returns>False when this replica no longer leads at the epoch of <paramref name="options"/> (nothing written).</returns>
    public bool AppendMarker(long producerId, short producerEpoch, ControlRecord marker, AppendOptions options)
    {
        using var output = new PooledBufferWriter();
        ControlBatchWriter.Write(output, marker, producerId, producerEpoch, options.NowMs);
        bool advanced;
        lock (_lock)
        {
            if (!IsLeaderAt(options.LeaderEpoch)) return false;
            Store(output.WrittenSpan, options with { UseLogAppendTime = false });
            _transactions.Revoke(producerId);
            advanced = _highWatermarkFollowsLogEnd && SetHighWatermarkLocked(_logEndOffset);
        }
        if (advanced) AfterHighWatermarkAdvance();
        else OnChanged();
        return true;
    }

    /// <summary>True while <paramref name="producerId"/> has a transaction open here (data without its marker).</summary>
    public bool HasOpenTransaction(long producerId)
    {
        lock (_lock) return _transactions.OpenTransactionStart(producerId) >= 0;
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
        var baseOffset = _logEndOffset;
        var maxTimestamp = options.UseLogAppendTime ? options.NowMs : new RecordBatchHeader(batch).MaxTimestamp;
        var rolls = _segments.Count == 0 || _segments[^1].ShouldRoll(batch.Length, maxTimestamp, options.NowMs, options.SegmentBytes, options.SegmentMs);
        BatchStorage storage;
        int position;
        Span<byte> stored;
        if (_files is null)
        {
            // A new segment starts a new chunk (as Kafka starts a new file), so deleting a segment drops its chunks whole.
            var chunk = _chunk;
            if (chunk is null || rolls || !chunk.HasRoomFor(batch.Length))
            {
                chunk = LogChunk.Create(chunk, batch.Length, options.SegmentBytes, _pool);
                StartChunk(chunk);
            }
            (storage, position) = (chunk, chunk.Used);
            stored = chunk.Append(batch).Span;
        }
        else
        {
            // Straight into the active segment's memory, then written to its file from there.
            stored = _files.Stage(batch.Length, rolls, baseOffset, out storage, out position).Span;
            batch.CopyTo(stored);
        }
        RecordBatchRewriter.SetBaseOffset(stored, baseOffset);
        RecordBatchRewriter.SetPartitionLeaderEpoch(stored, options.LeaderEpoch);
        if (options.UseLogAppendTime) RecordBatchRewriter.SetLogAppendTime(stored, options.NowMs);

        var header = new RecordBatchHeader(stored);
        Add(new StoredBatch(storage, position, stored.Length, baseOffset, header.LastOffset, header.MaxTimestamp, options.NowMs, _endPosition, header.IsControl, rolls));
    }

    /// <summary>Appends go to <paramref name="next"/> from now on (null: none), which the log holds instead of the one before.</summary>
    private void StartChunk(LogChunk? next)
    {
        next?.Retain();
        _chunk?.Release();
        _chunk = next;
    }

    /// <summary>Adds a stored batch (written here, or the leader's shared as it is; with a data directory written to the files).</summary>
    private void Add(StoredBatch batch) => Index(Files is { } files ? files.Write(batch) : batch, batch);

    /// <summary>
    /// Takes a stored batch into the index, with the state it carries, read from <paramref name="readable"/> (the same
    /// batch where it is in memory: a follower's is in its file only once written).
    /// </summary>
    private void Index(StoredBatch batch, in StoredBatch readable)
    {
        batch = batch with { LogPosition = _endPosition };
        batch.Chunk.Retain(); // the index entry holds the batch's memory until the batch leaves the log
        _batches.Add(batch);
        // A follower rolls where its leader rolled (the flag travels with the shared batch); an empty log starts a segment.
        if (_segments.Count == 0 || batch.StartsSegment)
            _segments.Add(new LogSegment(batch.BaseOffset, batch.MaxTimestamp, batch.AppendTimeMs));
        _segments[^1].Add(batch);
        var header = readable.Header; // read once: a batch only in its file is read from the file for it
        Track(readable, header);
        if (_epochs.Assign(header.PartitionLeaderEpoch, batch.BaseOffset)) Files?.WriteLeaderEpochs(_epochs.Entries);
        _logEndOffset = batch.LastOffset + 1;
        _sizeInBytes += batch.Length;
        _endPosition += batch.Length;
    }

    /// <summary>The producer and transaction state a stored batch carries: sequences, an open transaction, a marker.</summary>
    private void Track(StoredBatch batch, RecordBatchHeader header)
    {
        if (header.ProducerId < 0) return;
        if (!header.IsControl)
        {
            _producers.Record(header.ProducerId, header.ProducerEpoch, header.BaseSequence,
                LastSequence(header.BaseSequence, header.LastOffsetDelta), batch.BaseOffset, batch.LastOffset, header.MaxTimestamp);
            _transactions.OnDataStored(header.ProducerId, header.IsTransactional, batch.BaseOffset);
            return;
        }
        var marker = ReadMarker(batch);
        if (!marker.IsTransactionMarker) return;
        _producers.RecordMarker(header.ProducerId, header.ProducerEpoch, header.MaxTimestamp);
        _transactions.OnMarkerStored(header.ProducerId, marker.Type == ControlRecordType.Commit, marker.CoordinatorEpoch, batch.BaseOffset);
    }

    private static ControlRecord ReadMarker(StoredBatch batch)
    {
        using var records = RecordBatch.Read(batch.Bytes).ReadRecords();
        foreach (var record in records) return ControlRecord.Parse(record);
        return new ControlRecord((ControlRecordType)(-1), -1);
    }

    /// <summary>
    /// Reads whole batches starting with the one that contains <paramref name="offset"/>, up to
    /// <paramref name="maxBytes"/> but always at least one batch (as Kafka does, so a big batch is never stuck).
    /// </summary>
    public LogReadResult Read(long offset, int maxBytes, IsolationLevel isolation)
    {
        lock (_lock)
        {
            var limit = isolation == IsolationLevel.ReadCommitted ? LastStableOffsetLocked : _highWatermark;
            if (offset < _logStartOffset || offset > _logEndOffset)
                return new LogReadResult(ErrorCode.OffsetOutOfRange, ReadOnlyMemory<byte>.Empty, _highWatermark, LastStableOffsetLocked, _logStartOffset, []);

            var index = IndexOfBatchContaining(offset);
            var records = ReadOnlyMemory<byte>.Empty;
            BatchStorage? held = null;
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
                start.Chunk.Retain(); // until the caller has used the records (LogReadResult.Release)
                held = start.Chunk;
                if (isolation == IsolationLevel.ReadCommitted) aborted = _transactions.AbortedOverlapping(offset, end + 1);
            }
            return new LogReadResult(ErrorCode.None, records, _highWatermark, LastStableOffsetLocked, _logStartOffset, aborted, held);
        }
    }

    private long LastStableOffsetLocked => Math.Max(_logStartOffset, Math.Min(_transactions.FirstOpenOffset ?? _highWatermark, _highWatermark));

    /// <summary>
    /// How many stored bytes lie at or after <paramref name="offset"/> below the high watermark (what a fetch from
    /// there could return); for read_committed only those below the last stable offset.
    /// </summary>
    public long BytesAvailableFrom(long offset, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        lock (_lock)
        {
            var index = IndexOfBatchContaining(Math.Max(offset, _logStartOffset));
            if (index < 0) return 0;
            var limit = isolation == IsolationLevel.ReadCommitted ? LastStableOffsetLocked : _highWatermark;
            var stop = IndexOfBatchContaining(limit);
            var end = stop >= 0 ? _batches[stop].LogPosition : _endPosition;
            return Math.Max(0, end - _batches[index].LogPosition);
        }
    }

    /// <summary>
    /// What a follower's fetch from <paramref name="offset"/> gets: the stored batches (shared, not copied) up to
    /// about <paramref name="maxBytes"/> (at least one), past the high watermark too, with the leader's offsets.
    /// </summary>
    public ReplicaRead ReadForReplica(long offset, int maxBytes)
    {
        lock (_lock)
        {
            if (offset < _logStartOffset || offset > _logEndOffset)
                return new ReplicaRead(ErrorCode.OffsetOutOfRange, [], _highWatermark, _logStartOffset, _logEndOffset, offset);
            var batches = new List<StoredBatch>();
            long bytes = 0;
            for (var i = IndexOfBatchContaining(offset); i >= 0 && i < _batches.Count && (bytes == 0 || bytes + _batches[i].Length <= maxBytes); i++)
            {
                batches.Add(_batches[i]);
                bytes += _batches[i].Length;
            }
            // The follower reads them after this lock is released, when the files may have changed: it gets copies.
            if (_files is not null) batches = CopiedBatches.Of(batches);
            foreach (var batch in batches) batch.Chunk.Retain(); // until the caller has used them (ReplicaRead.Release)
            return new ReplicaRead(ErrorCode.None, batches, _highWatermark, _logStartOffset, _logEndOffset, offset);
        }
    }

    /// <summary>
    /// Appends batches fetched from the leader of <paramref name="leaderEpoch"/>, sharing their memory. Refused
    /// (false) when this replica is not that leader's follower any more, or the batches do not start at the log end.
    /// </summary>
    /// <param name="batches">The leader's batches.</param>
    /// <param name="leaderEpoch">The epoch of the leader they came from.</param>
    /// <param name="fetchOffset">The offset they were read from: after compaction the first batch may start past it (a gap).</param>
    public bool AppendReplicated(IReadOnlyList<StoredBatch> batches, int leaderEpoch, long fetchOffset = -1)
    {
        if (batches.Count == 0) return true;
        lock (_lock)
        {
            var from = fetchOffset >= 0 ? fetchOffset : batches[0].BaseOffset;
            if (_isLeader || _closed || _leaderEpoch != leaderEpoch || from > _logEndOffset) return false;
            foreach (var batch in batches)
            {
                // A batch the follower has already (the fetch began inside it) is skipped; an empty log that
                // starts inside a batch (the leader's log start) takes that batch whole.
                var empty = _first == _batches.Count;
                if (batch.BaseOffset >= _logEndOffset || (empty && batch.LastOffset >= _logEndOffset)) Add(batch);
            }
        }
        OnChanged();
        return true;
    }

    /// <summary>
    /// A follower learns the leader's high watermark and log start from a fetch answer: its own high watermark
    /// is the leader's, at most its own log end; its log start moves up with the leader's (DeleteRecords). Waiting
    /// fetches wake when the high watermark moves.
    /// </summary>
    public void FollowLeader(long leaderHighWatermark, long leaderLogStartOffset)
    {
        bool advanced;
        lock (_lock)
        {
            if (_isLeader) return;
            var before = _highWatermark;
            _highWatermark = Math.Min(Math.Max(_highWatermark, leaderHighWatermark), _logEndOffset);
            advanced = _highWatermark > before;
            if (leaderLogStartOffset > _logStartOffset && leaderLogStartOffset <= _highWatermark)
            {
                _logStartOffset = leaderLogStartOffset;
                while (_first < _batches.Count && _batches[_first].LastOffset < leaderLogStartOffset) RemoveFirst();
                AfterFrontRemoval();
            }
        }
        // Consumers reading from this follower (KIP-392) wait for its high watermark.
        if (advanced) OnChanged();
    }

    /// <summary>
    /// The leader's high watermark moves up to <paramref name="highWatermark"/> (never down, never past the log
    /// end) while this replica leads at <paramref name="leaderEpoch"/>; waiting acks=all requests and fetches wake.
    /// Returns true when it moved.
    /// </summary>
    public bool AdvanceHighWatermark(long highWatermark, int leaderEpoch)
    {
        bool advanced;
        lock (_lock) advanced = _isLeader && _leaderEpoch == leaderEpoch && SetHighWatermarkLocked(Math.Min(highWatermark, _logEndOffset));
        if (advanced) AfterHighWatermarkAdvance();
        return advanced;
    }

    private bool SetHighWatermarkLocked(long highWatermark)
    {
        if (highWatermark <= _highWatermark) return false;
        _highWatermark = highWatermark;
        return true;
    }

    private void AfterHighWatermarkAdvance()
    {
        List<TaskCompletionSource<bool>>? reached = null;
        lock (_lock)
        {
            for (var i = _highWatermarkWaiters.Count - 1; i >= 0; i--)
            {
                if (_highWatermarkWaiters[i].Offset > _highWatermark) continue;
                (reached ??= []).Add(_highWatermarkWaiters[i].Reached);
                _highWatermarkWaiters.RemoveAt(i);
            }
        }
        if (reached is not null) foreach (var waiter in reached) waiter.TrySetResult(true);
        OnChanged();
    }

    /// <summary>
    /// Completes with true once the high watermark reaches <paramref name="offset"/> (every in-sync replica has
    /// the records before it), with false when this replica stops leading first. The caller bounds the wait.
    /// </summary>
    public Task<bool> WaitForHighWatermarkAsync(long offset)
    {
        lock (_lock)
        {
            if (_highWatermark >= offset) return Task.FromResult(true);
            if (!_isLeader) return Task.FromResult(false);
            var reached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _highWatermarkWaiters.Add((offset, reached));
            return reached.Task;
        }
    }

    /// <summary>Forgets a wait whose caller gave up (its request timed out).</summary>
    public void CancelHighWatermarkWait(Task<bool> wait)
    {
        lock (_lock) _highWatermarkWaiters.RemoveAll(w => w.Reached.Task == wait);
    }

    /// <summary>
    /// Truncation when following the leader of <paramref name="leaderEpoch"/>, once per epoch: removes what
    /// diverges from <paramref name="leader"/> using leader epochs (OffsetForLeaderEpoch, KIP-101/279), so no
    /// record only an old leader had survives.
    /// </summary>
    public void TruncateDivergentFrom(PartitionLog leader, int leaderEpoch)
    {
        lock (_lock)
        {
            if (_isLeader || _leaderEpoch != leaderEpoch || _truncatedForEpoch == leaderEpoch) return;
        }
        // Ask the leader where our latest epoch ended there; go back an epoch at a time until both have it.
        var epoch = LatestEpoch;
        long truncateTo = LogEndOffset;
        while (epoch != LeaderEpochCache.UndefinedEpoch)
        {
            var (leaderHas, leaderEnd) = leader.EndOffsetForEpoch(epoch);
            if (leaderHas == LeaderEpochCache.UndefinedEpoch)
            {
                truncateTo = -1; // the leader has nothing that old any more: start over from its log start
                break;
            }
            var (ownHas, ownEnd) = EndOffsetForEpoch(leaderHas);
            if (ownHas == leaderHas)
            {
                truncateTo = Math.Min(leaderEnd, ownEnd);
                break;
            }
            epoch = ownHas;
        }
        lock (_lock)
        {
            if (_isLeader || _leaderEpoch != leaderEpoch) return;
            if (truncateTo < 0 || truncateTo < _logStartOffset) ResetToLocked(leader.LogStartOffset);
            else if (truncateTo < _logEndOffset) TruncateLocked(truncateTo);
            _truncatedForEpoch = leaderEpoch;
        }
    }

    /// <summary>A follower that fell behind the leader's log start (or holds nothing it shares) starts over empty at <paramref name="offset"/>.</summary>
    public void ResetTo(long offset)
    {
        lock (_lock) ResetToLocked(offset);
    }

    private void ResetToLocked(long offset)
    {
        ReleaseBatches(_first, _batches.Count);
        _batches.Clear();
        _first = 0;
        _logStartOffset = _logEndOffset = _highWatermark = offset;
        _sizeInBytes = 0;
        _epochs.TruncateFrom(0);
        _cleanedUpTo = offset;
        if (Files is { } files)
        {
            files.Reset(offset);
            files.WriteLeaderEpochs(_epochs.Entries);
        }
        Rebuild();
    }

    /// <summary>Removes every batch holding offsets at or after <paramref name="offset"/>, and the state they carried.</summary>
    private void TruncateLocked(long offset)
    {
        var keep = _batches.Count;
        while (keep > _first && _batches[keep - 1].LastOffset >= offset) keep--;
        if (keep == _batches.Count) return;
        var removedFrom = _batches[keep];
        Files?.TruncateFrom(removedFrom);
        _logEndOffset = removedFrom.BaseOffset;
        _endPosition = removedFrom.LogPosition;
        for (var i = keep; i < _batches.Count; i++) _sizeInBytes -= _batches[i].Length;
        ReleaseBatches(keep, _batches.Count);
        _batches.RemoveRange(keep, _batches.Count - keep);
        _highWatermark = Math.Min(_highWatermark, _logEndOffset);
        if (_epochs.TruncateFrom(_logEndOffset)) Files?.WriteLeaderEpochs(_epochs.Entries);
        _cleanedUpTo = Math.Min(_cleanedUpTo, _logEndOffset);
        Rebuild();
    }

    /// <summary>Producer state, transactions and segments as the remaining batches give them (after a truncation).</summary>
    private void Rebuild()
    {
        RebuildSegments();
        _producers.Clear();
        _transactions.ClearLogState();
        for (var i = _first; i < _batches.Count; i++) Track(_batches[i], _batches[i].Header);
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
            if (offset == -1) offset = _highWatermark;
            if (offset < 0 || offset > _highWatermark) return (ErrorCode.OffsetOutOfRange, _logStartOffset);
            if (offset > _logStartOffset) MoveStartLocked(offset);
            return (ErrorCode.None, _logStartOffset);
        }
    }

    /// <summary>Moves the log start offset forward to <paramref name="offset"/>, dropping the batches wholly before it.</summary>
    private void MoveStartLocked(long offset)
    {
        _logStartOffset = offset;
        while (_first < _batches.Count && _batches[_first].LastOffset < offset) RemoveFirst();
        AfterFrontRemoval();
    }

    /// <summary>
    /// Deletes whole segments from the front, as Kafka does: those whose largest timestamp is older than
    /// <paramref name="retentionMs"/>, or that the log can lose while still holding <paramref name="retentionBytes"/>.
    /// The active segment goes too when it qualifies (Kafka rolls it first). A negative limit means unlimited.
    /// Returns the number of segments deleted.
    /// </summary>
    public int ApplyRetention(long nowMs, long retentionMs, long retentionBytes)
    {
        lock (_lock)
        {
            var removed = 0;
            while (_segments.Count > 0)
            {
                var segment = _segments[0];
                var end = _segments.Count > 1 ? _segments[1].BaseOffset : _logEndOffset;
                var expired = nowMs >= ExpiresAtMs(segment, retentionMs);
                var oversized = retentionBytes >= 0 && _sizeInBytes - segment.SizeInBytes >= retentionBytes;
                // Only what every in-sync replica has may go, as in Kafka (the high watermark bounds deletion).
                if ((!expired && !oversized) || end > _highWatermark) break;
                _logStartOffset = Math.Max(_logStartOffset, end);
                while (_first < _batches.Count && _batches[_first].LastOffset < end) RemoveFirst();
                _segments.RemoveAt(0);
                removed++;
            }
            if (removed > 0) AfterFrontRemoval();
            return removed;
        }
    }

    /// <summary>
    /// The earliest time at which <see cref="ApplyRetention"/> could delete a segment with nothing appended and no high
    /// watermark moving: when the oldest segment passes <paramref name="retentionMs"/> (long.MaxValue: never; size limits
    /// are reached only by appends). A time already past means the segment waits for the high watermark.
    /// </summary>
    public long NextRetentionMs(long retentionMs)
    {
        lock (_lock) return _segments.Count == 0 ? long.MaxValue : ExpiresAtMs(_segments[0], retentionMs);
    }

    /// <summary>When <paramref name="segment"/>'s newest record is older than <paramref name="retentionMs"/> (negative: never).</summary>
    private static long ExpiresAtMs(LogSegment segment, long retentionMs) =>
        retentionMs < 0 ? long.MaxValue : TimeAfter(TimeAfter(segment.LargestTimestamp, retentionMs), 1);

    /// <summary>
    /// <paramref name="timeMs"/> plus <paramref name="delayMs"/> (not negative), long.MaxValue where that overflows: configs
    /// such as max.compaction.lag.ms say "never" with long.MaxValue.
    /// </summary>
    private static long TimeAfter(long timeMs, long delayMs) => timeMs > long.MaxValue - delayMs ? long.MaxValue : timeMs + delayMs;

    private void RemoveFirst()
    {
        _sizeInBytes -= _batches[_first].Length;
        _batches[_first].Chunk.Release();
        _batches[_first] = default;
        _first++;
    }

    private void AfterFrontRemoval()
    {
        _cleanedUpTo = Math.Max(_cleanedUpTo, _logStartOffset);
        _producers.RemoveBatchesBefore(_logStartOffset);
        _transactions.RemoveBefore(_logStartOffset);
        Files?.DeleteSegmentsBefore(_logStartOffset, _logEndOffset);
        // Compact the index now and then so removal from the front stays cheap on average.
        if (_first > 1024 && _first > _batches.Count / 2)
        {
            _batches.RemoveRange(0, _first);
            _first = 0;
        }
        RebuildSegments();
    }

    /// <summary>Forces the files to disk when the topic's flush.ms has passed (the cluster checks now and then).</summary>
    public void FlushIfDue(long nowMs)
    {
        lock (_lock)
        {
            Files?.FlushIfDue(nowMs);
        }
    }

    /// <summary>When <see cref="FlushIfDue"/> will next have something to force to disk (long.MaxValue: never, as things stand).</summary>
    public long NextFlushMs()
    {
        lock (_lock) return Files?.NextFlushMs() ?? long.MaxValue;
    }

    /// <summary>
    /// The broker stops (cleanly): the files are flushed and closed, and the log takes no more writes or reads.
    /// With <paramref name="deleteFiles"/> the replica's directory goes too (its topic was deleted).
    /// </summary>
    public void Close(bool deleteFiles = false)
    {
        List<TaskCompletionSource<bool>> lost;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _isLeader = false;
            lost = _highWatermarkWaiters.Select(w => w.Reached).ToList();
            _highWatermarkWaiters.Clear();
            // Readers find an empty log from now on, never a batch in a closed file.
            ReleaseBatches(_first, _batches.Count);
            StartChunk(null);
            _batches.Clear();
            _segments.Clear();
            _first = 0;
            _sizeInBytes = 0;
            if (deleteFiles) _files?.DeleteDirectory();
            else _files?.Close();
        }
        foreach (var waiter in lost) waiter.TrySetResult(false);
    }

    /// <summary>Lets go of the memory of the index entries from <paramref name="from"/> up to <paramref name="to"/>, which the caller removes.</summary>
    private void ReleaseBatches(int from, int to)
    {
        for (var i = from; i < to; i++) _batches[i].Chunk.Release();
    }

    /// <summary>The segment summaries as the live batches and their roll flags give them (the first live batch always starts one).</summary>
    private void RebuildSegments()
    {
        _segments.Clear();
        for (var i = _first; i < _batches.Count; i++)
        {
            var batch = _batches[i];
            if (i == _first || batch.StartsSegment) _segments.Add(new LogSegment(batch.BaseOffset, batch.MaxTimestamp, batch.AppendTimeMs));
            _segments[^1].Add(batch);
        }
    }

}

/// <summary>
/// One stored batch: where its bytes live (a slice of a chunk, shared by every replica that holds it) and what
/// the log indexes it by. <see cref="LogPosition"/> counts bytes in the holding replica's log. <see cref="StartsSegment"/>
/// is true for the first batch of a segment.
/// </summary>
internal readonly record struct StoredBatch(
    BatchStorage Chunk, int Position, int Length, long BaseOffset, long LastOffset, long MaxTimestamp, long AppendTimeMs, long LogPosition, bool IsControl,
    bool StartsSegment = false)
{
    /// <summary>The stored bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => Chunk.Slice(Position, Length);

    /// <summary>The batch header (only its bytes are read, which matters for a batch in a file).</summary>
    public RecordBatchHeader Header => new(Chunk.Slice(Position, Math.Min(Length, RecordBatchLayout.HeaderSize)).Span);
}

/// <summary>What a follower's fetch gets from its leader.</summary>
/// <param name="Error">None, or OFFSET_OUT_OF_RANGE when the follower's log end lies outside the leader's log.</param>
/// <param name="Batches">
/// Stored batches from the fetch offset on, shared with the leader, their memory held for the reader until
/// <see cref="Release"/> (a follower's log takes its own hold when it appends them).
/// </param>
/// <param name="HighWatermark">The leader's high watermark.</param>
/// <param name="LogStartOffset">The leader's log start offset.</param>
/// <param name="LogEndOffset">The leader's log end offset.</param>
/// <param name="FetchOffset">The offset the follower asked for.</param>
internal readonly record struct ReplicaRead(ErrorCode Error, IReadOnlyList<StoredBatch> Batches, long HighWatermark, long LogStartOffset, long LogEndOffset, long FetchOffset = -1)
{
    /// <summary>Lets go of the batches' memory: they must not be read after.</summary>
    public void Release()
    {
        foreach (var batch in Batches) batch.Chunk.Release();
    }
}
