namespace Tributary.Broker.Log;

/// <summary>
/// Where the bytes of stored batches live: a <see cref="LogChunk"/> in memory, a segment file of a log with a data
/// directory (<see cref="Storage.SegmentFile"/>), or a copy read for a follower (<see cref="CopiedBatches"/>).
/// A stored batch is a position and a length in one of these.
/// </summary>
internal abstract class BatchStorage
{
    /// <summary>
    /// The bytes from <paramref name="position"/> for <paramref name="length"/> bytes. The memory returned never
    /// changes afterwards, so a reader may keep it while the log moves on.
    /// </summary>
    public abstract ReadOnlyMemory<byte> Slice(int position, int length);

    /// <summary>
    /// Counts one more holder of these bytes: a log index entry, or a read whose bytes are still to be used. Memory that
    /// is reused once its last holder lets go (<see cref="LogChunk"/>) counts them; files and copies need not.
    /// </summary>
    public virtual void Retain()
    {
    }

    /// <summary>Lets go of a hold taken with <see cref="Retain"/>; the bytes must not be used through it afterwards.</summary>
    public virtual void Release()
    {
    }
}

/// <summary>Batches copied out of a segment file (for a follower's fetch), valid whatever then happens to the file.</summary>
internal sealed class CopiedBatches(ReadOnlyMemory<byte> bytes) : BatchStorage
{
    /// <summary>The batches with their bytes copied out: one read per run of batches that lie back to back.</summary>
    public static List<StoredBatch> Of(List<StoredBatch> batches)
    {
        var copies = new List<StoredBatch>(batches.Count);
        for (var first = 0; first < batches.Count;)
        {
            var start = batches[first];
            var end = first + 1;
            var length = start.Length;
            while (end < batches.Count && batches[end].Chunk == start.Chunk && batches[end].Position == start.Position + length) length += batches[end++].Length;
            var copy = new CopiedBatches(start.Chunk.Slice(start.Position, length));
            for (var i = first; i < end; i++) copies.Add(batches[i] with { Chunk = copy, Position = batches[i].Position - start.Position });
            first = end;
        }
        return copies;
    }

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> Slice(int position, int length) => bytes.Slice(position, length);
}
