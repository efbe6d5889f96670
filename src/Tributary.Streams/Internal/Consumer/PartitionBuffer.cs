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
/// Records handed from the poll thread to one source stage (or one partition sub-source). The poll thread collects
/// a batch on its own and publishes it under the lock once (a lock per record, contended by the reader, cost about a
/// tenth of a plain consume's throughput); it drops the records of revoked partitions, published or not, under the
/// same lock the stage takes them with, so no record of a revoked partition is emitted once the revoke handler has
/// returned.
/// Fill level drives backpressure in two steps. At <c>capacity</c> the buffer stops wanting records: the poll
/// thread stops taking more while librdkafka's own prefetch queue holds the rest. Only if records still pile up to
/// twice the capacity (another partition's records keep the poll thread busy, or a long stall) are the partitions
/// paused, which costs a re-fetch on resume. Both end when the reader has drained the buffer to half the capacity,
/// and the reader wakes the poll thread at that moment.
/// </summary>
internal sealed class PartitionBuffer<TKey, TValue>
{
    private readonly object _gate = new();
    private readonly Queue<ConsumeResult<TKey, TValue>> _records = new();
    // Poll thread only: the batch being collected, published by Publish.
    private readonly List<ConsumeResult<TKey, TValue>> _incoming = new();
    private readonly int _capacity;
    private readonly int _pauseAt;
    private readonly int _resumeAt;
    private readonly Action _wakePollThread;
    private Action? _onAvailable;
    private bool _readerWaiting;
    private bool _satisfied;
    private bool _pauseAdvised;
    private bool _closed;
    private Exception? _failure;

    public PartitionBuffer(int capacity, Action wakePollThread)
    {
        _capacity = capacity;
        _pauseAt = capacity * 2;
        _resumeAt = capacity / 2;
        _wakePollThread = wakePollThread;
    }

    /// <summary>Set by the poll thread while it routes a batch, so each touched buffer is flushed once.</summary>
    internal bool TouchedInBatch { get; set; }

    public bool IsClosed
    {
        get { lock (_gate) return _closed; }
    }

    public int Count
    {
        get { lock (_gate) return _records.Count; }
    }

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
            if (_records.Count == 0)
                return;
            var kept = _records.Where(r => r.TopicPartition != partition).ToArray();
            _records.Clear();
            foreach (var record in kept)
                _records.Enqueue(record);
        }
    }

    /// <summary>Drops everything and tells the reader to complete.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _records.Clear();
            _closed = true;
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
        var count = _records.Count;
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
            if (_readerWaiting && _onAvailable is not null && (_records.Count > 0 || _closed || _failure is not null))
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
        bool wake;
        lock (_gate)
        {
            error = null;
            if (_closed || !_records.TryDequeue(out record))
            {
                record = null;
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
            wake = (_satisfied || _pauseAdvised) && _records.Count == _resumeAt;
        }
        if (wake)
            _wakePollThread();
        return TakeOutcome.Record;
    }
}
