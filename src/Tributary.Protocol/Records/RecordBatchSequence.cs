namespace Tributary.Protocol.Records;

/// <summary>
/// The whole batches in a buffer of concatenated batches, as a fetch response or a log segment holds them.
/// A partial batch at the end is skipped, not failed: Kafka cuts fetch responses at the size limit.
/// </summary>
/// <param name="buffer">The concatenated batches.</param>
public readonly struct RecordBatchSequence(ReadOnlyMemory<byte> buffer)
{
    /// <summary>Starts the iteration.</summary>
    public Enumerator GetEnumerator() => new(buffer);

    /// <summary>Walks the batches by their batchLength fields; nothing is copied.</summary>
    public struct Enumerator
    {
        private ReadOnlyMemory<byte> _rest;

        internal Enumerator(ReadOnlyMemory<byte> buffer)
        {
            _rest = buffer;
            Current = default;
        }

        /// <summary>The current batch.</summary>
        public RecordBatch Current { get; private set; }

        /// <summary>Moves to the next whole batch; false at the end or before a partial batch.</summary>
        /// <exception cref="UnsupportedMessageFormatException">A batch is not of magic 2.</exception>
        /// <exception cref="InvalidLengthException">A batch has a batchLength smaller than a header.</exception>
        public bool MoveNext()
        {
            if (!RecordBatch.TryRead(_rest, out var batch)) return false;
            Current = batch;
            _rest = _rest[batch.Bytes.Length..];
            return true;
        }
    }
}
