namespace Tributary.Protocol.Records;

/// <summary>
/// The records of one batch, ready to iterate with <c>foreach</c>. For a compressed batch it owns the pooled
/// buffer holding the decompressed records: dispose it when done, after which record views must not be used.
/// </summary>
public readonly struct RecordBatchRecords : IDisposable
{
    private readonly RecordContext _context;
    private readonly PooledBufferWriter? _decompressed;

    internal RecordBatchRecords(ReadOnlyMemory<byte> bytes, int count, RecordContext context, PooledBufferWriter? decompressed)
    {
        Bytes = bytes;
        Count = count;
        _context = context;
        _decompressed = decompressed;
    }

    /// <summary>The encoded records, decompressed if the batch was compressed.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The record count the batch declares; iteration fails if the bytes hold a different number.</summary>
    public int Count { get; }

    /// <summary>Starts iterating the records.</summary>
    public RecordEnumerator GetEnumerator() => new(Bytes, Count, _context);

    /// <summary>Returns the decompression buffer to the pool (nothing to do for an uncompressed batch).</summary>
    public void Dispose() => _decompressed?.Dispose();
}
