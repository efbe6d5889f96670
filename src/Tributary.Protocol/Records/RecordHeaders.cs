namespace Tributary.Protocol.Records;

/// <summary>The headers of one record, already checked when the record was read; iterate with <c>foreach</c>.</summary>
public readonly struct RecordHeaders
{
    // The smallest header: a one-byte key length and a one-byte value length.
    private const int MinimumHeaderSize = 2;

    private readonly ReadOnlyMemory<byte> _bytes;

    private RecordHeaders(ReadOnlyMemory<byte> bytes, int count)
    {
        _bytes = bytes;
        Count = count;
    }

    /// <summary>The number of headers.</summary>
    public int Count { get; }

    /// <summary>Starts iterating the headers.</summary>
    public Enumerator GetEnumerator() => new(_bytes, Count);

    /// <summary>Reads the header count and walks every header to check it, leaving the reader after the last one.</summary>
    internal static RecordHeaders Read(ref KafkaReader reader)
    {
        var count = reader.ReadVarInt();
        if (count < 0) throw new InvalidLengthException($"Negative record header count {count} at byte {reader.Position}.");
        if ((long)count * MinimumHeaderSize > reader.Remaining)
            throw new InvalidLengthException($"{count} record headers cannot fit in the {reader.Remaining} bytes left in the record.");
        var section = reader.ReadRawMemory(reader.Remaining);
        var walker = new KafkaReader(section);
        for (var i = 0; i < count; i++) RecordHeaderView.Read(ref walker);
        // Give back whatever follows the headers so the caller can see it is left over.
        reader = new KafkaReader(section[walker.Position..]);
        return new RecordHeaders(section[..walker.Position], count);
    }

    /// <summary>Iterates the headers in place.</summary>
    public ref struct Enumerator
    {
        private KafkaReader _reader;
        private int _remaining;

        internal Enumerator(ReadOnlyMemory<byte> bytes, int count)
        {
            _reader = new KafkaReader(bytes);
            _remaining = count;
            Current = default;
        }

        /// <summary>The current header.</summary>
        public RecordHeaderView Current { get; private set; }

        /// <summary>Moves to the next header.</summary>
        public bool MoveNext()
        {
            if (_remaining == 0) return false;
            Current = RecordHeaderView.Read(ref _reader);
            _remaining--;
            return true;
        }
    }
}
