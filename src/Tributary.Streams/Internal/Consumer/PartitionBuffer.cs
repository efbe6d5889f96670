using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>What <see cref="PartitionBuffer{TKey,TValue}.TryTake"/> found.</summary>
internal enum TakeOutcome
{
    /// <summary>A record was taken.</summary>
    Record,

    /// <summary>Nothing buffered; the reader is notified when records arrive.</summary>
    Empty,

    /// <summary>The buffer failed after its last record; the reader should fail.</summary>
    Failed,

    /// <summary>The buffer was closed (partition revoked or source stopped); the reader should complete.</summary>
    Closed,
}

/// <summary>
/// Records handed from the poll thread to one source stage (or one partition sub-source). Both sides move records in
/// batches, so neither takes the lock per record (a lock per record, contended by the other side, cost about a tenth
/// of a plain consume's throughput): the poll thread collects a batch on its own and publishes it under the lock
/// once, and the reader takes up to a quarter of the capacity under the lock into its own queue, then reads that
/// queue without locking.
/// Records of a revoked partition are dropped, published or not, under the lock; the reader's queue is the reader's
/// to change, so the drop is noted for it and a change counter moves, which the reader checks (one volatile read)
/// before every record it takes: no record of a revoked partition is taken once the revoke handler has returned.
/// Closing works the same way. The reader's queue belongs to the buffer, not to the stage reading it, so a
/// sub-source that is cancelled and offered again loses nothing.
/// Fill level (the published records plus those the reader took at its last visit under the lock) drives
/// backpressure in two steps. At <c>capacity</c> the buffer stops wanting records: the poll thread stops taking more
/// while librdkafka's own prefetch queue holds the rest. Only if records still pile up to twice the capacity
/// (another partition's records keep the poll thread busy, or a long stall) are the partitions paused, which costs a
/// re-fetch on resume. Both end when the reader has drained the buffer to half the capacity: the reader sees it when
/// it takes its next batch, and wakes the poll thread then.
/// </summary>
internal sealed class PartitionBuffer<TKey, TValue>
{
    private readonly object _gate = new();
    private readonly Queue<ConsumeResult<TKey, TValue>> _records = new();
    // Poll thread only: the batch being collected, published by Publish.
    private readonly List<ConsumeResult<TKey, TValue>> _incoming = new();
    // Reader only, except under the lock: records taken from _records and not yet handed out.
    private readonly Queue<ConsumeResult<TKey, TValue>> _taken = new();
    // Partitions dropped since the reader last looked (under the lock); the reader removes their records from _taken.
    private readonly List<TopicPartition> _droppedForReader = new();
    private readonly int _capacity;
    private readonly int _takeAtMost;
    private readonly int _pauseAt;
    private readonly int _resumeAt;
    private readonly Action _wakePollThread;
    private Action? _onAvailable;
    private bool _readerWaiting;
    private bool _satisfied;
    private bool _pauseAdvised;
    private bool _closed;
    private Exception? _failure;
    // Moves (under the lock) when a partition is dropped or the buffer closes; the reader compares it with the value
    // it saw at its last visit under the lock before each record it takes without the lock.
    private int _changes;
    private int _changesSeen;
    // Records the reader held after its last visit under the lock: counted in the fill level until its next visit.
    private int _readerHeld;

    public PartitionBuffer(int capacity, Action wakePollThread)
    {
        _capacity = capacity;
        _pauseAt = capacity * 2;
        _resumeAt = capacity / 2;
        _takeAtMost = Math.Max(1, capacity / 4);
        _wakePollThread = wakePollThread;
    }

    /// <summary>Set by the poll thread while it routes a batch, so each touched buffer is flushed once.</summary>
    internal bool TouchedInBatch { get; set; }

    public bool IsClosed
    {
        get { lock (_gate) return _closed; }
    }

    /// <summary>The fill level: records published and not taken, plus those the reader held at its last visit.</summary>
    public int Count
    {
        get { lock (_gate) return FillLevel; }
    }

    private int FillLevel => _records.Count + _readerHeld;

    /// <summary>Registers the stage callback that is invoked (from any thread) when a waiting reader can read again.</summary>
    public void Attach(Action available)
    {
        lock (_gate)
        {
            _onAvailable = available;
            _readerWaiting = true;
        }
        NotifyIfReady();
    }

    /// <summary>Forgets the reader (its stage stopped); records stay for the next reader.</summary>
    public void Detach()
    {
        lock (_gate)
        {
            _onAvailable = null;
            _readerWaiting = false;
        }
    }

    /// <summary>Poll thread: adds a record to the batch being collected; the reader sees it after <see cref="Publish"/>.</summary>
    public void Add(ConsumeResult<TKey, TValue> record) => _incoming.Add(record);

    /// <summary>Poll thread: hands the collected batch to the reader (unless closed or failed) and wakes it if it waits.</summary>
    public void Publish()
    {
        if (_incoming.Count > 0)
        {
            lock (_gate)
            {
                if (!_closed && _failure is null)
                {
                    foreach (var record in _incoming)
                        _records.Enqueue(record);
                }
            }
            _incoming.Clear();
        }
        NotifyIfReady();
    }

    /// <summary>Poll thread: the buffer fails once the records collected before have been read.</summary>
    public void Fail(Exception error)
    {
        Publish();
        lock (_gate)
            _failure ??= error;
        NotifyIfReady();
    }

    /// <summary>Poll thread: drops the records of a revoked or lost partition, published or still being collected.</summary>
    public void Drop(TopicPartition partition)
    {
        _incoming.RemoveAll(r => r.TopicPartition == partition);
        lock (_gate)
        {
            _droppedForReader.Add(partition);
            _changes++;
            if (_records.Count == 0)
                return;
            RemoveRecordsOf(_records, partition);
        }
    }

    /// <summary>Drops everything and tells the reader to complete.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _records.Clear();
            _closed = true;
            _changes++;
        }
        NotifyIfReady();
    }

    /// <summary>Poll thread: whether the reader wants more records (false from full until drained to half).</summary>
    public bool WantsRecords()
    {
        lock (_gate)
        {
            UpdateFillState();
            return !_satisfied && !_closed && _failure is null;
        }
    }

    /// <summary>Poll thread: whether the buffer's partitions should be paused (from twice full until drained to half).</summary>
    public bool ShouldPause()
    {
        lock (_gate)
        {
            UpdateFillState();
            return _pauseAdvised || _closed || _failure is not null;
        }
    }

    private void UpdateFillState()
    {
        var count = FillLevel;
        if (count <= _resumeAt)
            _satisfied = _pauseAdvised = false;
        if (count >= _capacity)
            _satisfied = true;
        if (count >= _pauseAt)
            _pauseAdvised = true;
    }

    /// <summary>Wakes the reader if it waits and there is something for it.</summary>
    private void NotifyIfReady()
    {
        Action? notify = null;
        lock (_gate)
        {
            // The reader's own queue counts too: a sub-source offered again finds the records its predecessor took.
            if (_readerWaiting && _onAvailable is not null && (_records.Count > 0 || _taken.Count > 0 || _closed || _failure is not null))
            {
                _readerWaiting = false;
                notify = _onAvailable;
            }
        }
        notify?.Invoke();
    }

    /// <summary>Stage: takes the next record, or registers the reader as waiting.</summary>
    public TakeOutcome TryTake(out ConsumeResult<TKey, TValue>? record, out Exception? error)
    {
        // Nothing dropped or closed since the last visit under the lock: the reader's own queue serves.
        if (Volatile.Read(ref _changes) == _changesSeen && _taken.TryDequeue(out record))
        {
            error = null;
            return TakeOutcome.Record;
        }
        return TakeUnderLock(out record, out error);
    }

    private TakeOutcome TakeUnderLock(out ConsumeResult<TKey, TValue>? record, out Exception? error)
    {
        bool wake;
        lock (_gate)
        {
            error = null;
            record = null;
            if (_changes != _changesSeen)
            {
                _changesSeen = _changes;
                if (_closed)
                    _taken.Clear();
                foreach (var partition in _droppedForReader)
                    RemoveRecordsOf(_taken, partition);
                _droppedForReader.Clear();
            }
            while (_taken.Count < _takeAtMost && _records.TryDequeue(out var published))
                _taken.Enqueue(published);
            if (_closed || !_taken.TryDequeue(out record))
            {
                record = null;
                _readerHeld = 0;
                // A failure wins over closing: the consumer failing also releases (closes) every buffer.
                if (_failure is not null)
                {
                    error = _failure;
                    return TakeOutcome.Failed;
                }
                if (_closed)
                    return TakeOutcome.Closed;
                _readerWaiting = true;
                return TakeOutcome.Empty;
            }
            _readerHeld = _taken.Count;
            wake = (_satisfied || _pauseAdvised) && FillLevel <= _resumeAt;
        }
        if (wake)
            _wakePollThread();
        return TakeOutcome.Record;
    }

    private static void RemoveRecordsOf(Queue<ConsumeResult<TKey, TValue>> records, TopicPartition partition)
    {
        var kept = records.Where(r => r.TopicPartition != partition).ToArray();
        records.Clear();
        foreach (var record in kept)
            records.Enqueue(record);
    }
}
