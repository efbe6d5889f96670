using Tributary.Protocol;

namespace Tributary.Broker.Transactions;

/// <summary>
/// The transactional side of one partition log: which producers may write transactional batches (their
/// partition was added to their transaction: the coordinator tells every replica), where each open transaction starts (which bounds the last
/// stable offset), and the index of aborted transactions that read_committed fetches report.
/// Not thread-safe: the owning partition log calls it under its lock.
/// </summary>
internal sealed class PartitionTransactions
{
    // Producer id -> the epoch whose AddPartitionsToTxn admitted this partition, until its marker is written.
    private readonly Dictionary<long, short> _admitted = new();
    // Producer id -> first offset of its open transaction in this partition.
    private readonly Dictionary<long, long> _open = new();
    // Producer id -> coordinator epoch of its last marker here.
    private readonly Dictionary<long, int> _coordinatorEpochs = new();
    // Ordered by LastOffset, as markers are appended in offset order.
    private readonly List<AbortedTransactionRange> _aborted = new();

    /// <summary>The first offset of the earliest open transaction, or null when none is open.</summary>
    public long? FirstOpenOffset => _open.Count == 0 ? null : _open.Values.Min();

    /// <summary>Allows <paramref name="producerId"/> at <paramref name="epoch"/> to write transactional batches here.</summary>
    public void Admit(long producerId, short epoch) => _admitted[producerId] = epoch;

    /// <summary>
    /// Checks a data batch (after its sequence was accepted): a transactional batch needs its partition added to the
    /// producer's transaction at that epoch; a plain batch may not interleave with the producer's open transaction.
    /// </summary>
    public ErrorCode Check(long producerId, short epoch, bool isTransactional)
    {
        if (!isTransactional) return _open.ContainsKey(producerId) ? ErrorCode.InvalidTxnState : ErrorCode.None;
        if (!_admitted.TryGetValue(producerId, out var admittedEpoch)) return ErrorCode.InvalidTxnState;
        if (epoch < admittedEpoch) return ErrorCode.InvalidProducerEpoch;
        return epoch == admittedEpoch ? ErrorCode.None : ErrorCode.InvalidTxnState;
    }

    /// <summary>Notes a stored data batch: the producer's first transactional batch opens its transaction here.</summary>
    public void OnDataStored(long producerId, bool isTransactional, long baseOffset)
    {
        if (isTransactional) _open.TryAdd(producerId, baseOffset);
    }

    /// <summary>Withdraws the producer's admission: its transaction ended.</summary>
    public void Revoke(long producerId) => _admitted.Remove(producerId);

    /// <summary>
    /// Forgets what the log's batches gave (open transactions, markers, the aborted index), keeping admissions,
    /// which come from the transaction coordinator; the log replays its batches next.
    /// </summary>
    public void ClearLogState()
    {
        _open.Clear();
        _coordinatorEpochs.Clear();
        _aborted.Clear();
    }

    /// <summary>Notes a stored marker: the producer's transaction here ends; an aborted one enters the index.</summary>
    public void OnMarkerStored(long producerId, bool commit, int coordinatorEpoch, long markerOffset)
    {
        _coordinatorEpochs[producerId] = coordinatorEpoch;
        if (_open.Remove(producerId, out var firstOffset) && !commit)
            _aborted.Add(new AbortedTransactionRange(producerId, firstOffset, markerOffset));
    }

    /// <summary>The first offset of the producer's open transaction here, or -1.</summary>
    public long OpenTransactionStart(long producerId) => _open.GetValueOrDefault(producerId, -1);

    /// <summary>The coordinator epoch of the producer's last marker here, or -1.</summary>
    public int CoordinatorEpoch(long producerId) => _coordinatorEpochs.GetValueOrDefault(producerId, -1);

    /// <summary>Aborted transactions that overlap the offsets [<paramref name="from"/>, <paramref name="toExclusive"/>).</summary>
    public List<AbortedTransactionRange> AbortedOverlapping(long from, long toExclusive)
    {
        var result = new List<AbortedTransactionRange>();
        for (var i = FirstEndingAtOrAfter(from); i < _aborted.Count; i++)
        {
            if (_aborted[i].FirstOffset < toExclusive) result.Add(_aborted[i]);
        }
        return result;
    }

    /// <summary>
    /// Forgets the aborted transaction whose marker at <paramref name="markerOffset"/> the log cleaner removed, as Kafka's
    /// cleaner rebuilds the transaction index: else a read_committed consumer would skip the producer's later records,
    /// waiting for an abort marker that is gone.
    /// </summary>
    public void RemoveAborted(long producerId, long markerOffset) =>
        _aborted.RemoveAll(a => a.ProducerId == producerId && a.LastOffset == markerOffset);

    /// <summary>Forgets aborted transactions that ended before the log start offset (retention, DeleteRecords).</summary>
    public void RemoveBefore(long logStartOffset) => _aborted.RemoveRange(0, FirstEndingAtOrAfter(logStartOffset));

    private int FirstEndingAtOrAfter(long offset)
    {
        int low = 0, high = _aborted.Count - 1;
        while (low <= high)
        {
            var mid = low + ((high - low) >> 1);
            if (_aborted[mid].LastOffset < offset) low = mid + 1;
            else high = mid - 1;
        }
        return low;
    }
}
