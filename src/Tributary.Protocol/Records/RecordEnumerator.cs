namespace Tributary.Protocol.Records;

/// <summary>
/// Iterates the encoded records of a batch in place, yielding a <see cref="RecordView"/> per record without
/// copying or allocating. Each record is fully checked as it is reached: its length, every field length,
/// its headers, and that it ends exactly where its length says; at the end, that the batch held exactly the
/// declared number of records.
/// </summary>
public ref struct RecordEnumerator
{
    private KafkaReader _reader;
    private readonly int _declaredCount;
    private readonly RecordContext _context;
    private int _readCount;

    internal RecordEnumerator(ReadOnlyMemory<byte> records, int declaredCount, RecordContext context)
    {
        _reader = new KafkaReader(records);
        _declaredCount = declaredCount;
        _context = context;
        _readCount = 0;
        Current = default;
    }

    /// <summary>The current record.</summary>
    public RecordView Current { get; private set; }

    /// <summary>Moves to the next record.</summary>
    /// <exception cref="CorruptRecordException">The bytes hold fewer or more records than declared, or a record is inconsistent.</exception>
    /// <exception cref="KafkaProtocolException">A length is negative, too long, or a varint is malformed.</exception>
    public bool MoveNext()
    {
        if (_readCount == _declaredCount)
        {
            if (!_reader.End)
                throw new CorruptRecordException($"Record batch declares {_declaredCount} records but {_reader.Remaining} bytes follow the last one.");
            return false;
        }
        if (_reader.End)
            throw new CorruptRecordException($"Record batch declares {_declaredCount} records but its bytes end after {_readCount}.");

        var length = _reader.ReadVarInt();
        if (length < RecordBatchLayout.MinimumRecordSize - 1)
            throw new InvalidLengthException($"Record {_readCount} has length {length}, less than the smallest possible record.");
        Current = RecordView.Parse(_reader.ReadRawMemory(length), _context);
        _readCount++;
        return true;
    }
}
