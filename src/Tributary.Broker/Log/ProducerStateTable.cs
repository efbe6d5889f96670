using Tributary.Protocol;

namespace Tributary.Broker.Log;

/// <summary>The outcome of checking an idempotent batch against what its producer already wrote.</summary>
/// <param name="Error">None when the batch may be appended.</param>
/// <param name="DuplicateBaseOffset">For <see cref="ErrorCode.DuplicateSequenceNumber"/>: where the original batch was stored.</param>
internal readonly record struct SequenceCheck(ErrorCode Error, long DuplicateBaseOffset = -1)
{
    public static SequenceCheck Accepted => new(ErrorCode.None);
}

/// <summary>One producer as DescribeProducers shows it.</summary>
/// <param name="ProducerId">The producer id.</param>
/// <param name="Epoch">Its current epoch here.</param>
/// <param name="LastSequence">The last sequence it wrote here, or -1.</param>
/// <param name="LastTimestamp">The max timestamp of its last batch or marker here, or -1.</param>
internal readonly record struct ProducerSnapshot(long ProducerId, short Epoch, int LastSequence, long LastTimestamp);

/// <summary>
/// Idempotent-producer state of one partition: per producer id, its epoch and the sequence ranges of its
/// last <see cref="RetainedBatches"/> batches, which is what lets a retried batch be recognised as a duplicate.
/// Not thread-safe: the owning <see cref="PartitionLog"/> calls it under its lock.
/// </summary>
internal sealed class ProducerStateTable
{
    /// <summary>How many recent batches per producer are remembered (Kafka's max.in.flight bound for idempotence).</summary>
    public const int RetainedBatches = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = new();

    /// <summary>Checks a batch's epoch and sequence without changing any state.</summary>
    public SequenceCheck Check(long producerId, short epoch, int firstSequence, int lastSequence)
    {
        if (!_producers.TryGetValue(producerId, out var entry)) return SequenceCheck.Accepted;
        if (epoch < entry.Epoch) return new(ErrorCode.InvalidProducerEpoch);
        if (epoch > entry.Epoch)
            // A bumped epoch restarts the sequence at zero.
            return firstSequence == 0 ? SequenceCheck.Accepted : new(ErrorCode.OutOfOrderSequenceNumber);

        foreach (var batch in entry.Recent)
        {
            if (batch.FirstSequence == firstSequence && batch.LastSequence == lastSequence)
                return new(ErrorCode.DuplicateSequenceNumber, batch.BaseOffset);
        }
        // No batches remembered (all removed by retention or DeleteRecords): any sequence is accepted, as in Kafka.
        if (entry.Recent.Count == 0) return SequenceCheck.Accepted;
        var expected = entry.Recent.Last().LastSequence == int.MaxValue ? 0 : entry.Recent.Last().LastSequence + 1;
        return firstSequence == expected ? SequenceCheck.Accepted : new(ErrorCode.OutOfOrderSequenceNumber);
    }

    /// <summary>Records an appended batch (call only after <see cref="Check"/> accepted it).</summary>
    public void Record(long producerId, short epoch, int firstSequence, int lastSequence, long baseOffset, long lastOffset, long timestamp = -1)
    {
        var entry = EntryAt(producerId, epoch);
        if (entry.Recent.Count == RetainedBatches) entry.Recent.Dequeue();
        entry.Recent.Enqueue(new RecordedBatch(firstSequence, lastSequence, baseOffset, lastOffset));
        entry.LastTimestamp = timestamp;
    }

    /// <summary>
    /// Records a transaction marker written at <paramref name="epoch"/>: a marker of a bumped epoch (a fenced
    /// producer) makes older epochs stale; one of the current epoch keeps the sequences, which go on after a commit.
    /// </summary>
    public void RecordMarker(long producerId, short epoch, long timestamp) => EntryAt(producerId, epoch).LastTimestamp = timestamp;

    /// <summary>Every producer known here, for DescribeProducers.</summary>
    public IReadOnlyList<ProducerSnapshot> Snapshot() => _producers
        .Select(p => new ProducerSnapshot(p.Key, p.Value.Epoch, p.Value.Recent.Count > 0 ? p.Value.Recent.Last().LastSequence : -1, p.Value.LastTimestamp))
        .ToList();

    private ProducerEntry EntryAt(long producerId, short epoch)
    {
        if (!_producers.TryGetValue(producerId, out var entry) || entry.Epoch != epoch)
        {
            entry = new ProducerEntry(epoch);
            _producers[producerId] = entry;
        }
        return entry;
    }

    /// <summary>Forgets every producer (before the state is rebuilt from what a truncated log still holds).</summary>
    public void Clear() => _producers.Clear();

    /// <summary>Forgets batches that were removed from the front of the log (retention, DeleteRecords).</summary>
    public void RemoveBatchesBefore(long logStartOffset)
    {
        foreach (var entry in _producers.Values)
        {
            while (entry.Recent.Count > 0 && entry.Recent.Peek().LastOffset < logStartOffset) entry.Recent.Dequeue();
        }
    }

    private sealed class ProducerEntry(short epoch)
    {
        public short Epoch { get; } = epoch;
        public Queue<RecordedBatch> Recent { get; } = new(RetainedBatches);
        public long LastTimestamp { get; set; } = -1;
    }

    private readonly record struct RecordedBatch(int FirstSequence, int LastSequence, long BaseOffset, long LastOffset);
}
