using System.Buffers.Binary;
using System.IO.Hashing;
using Tributary.Protocol.Compression;
using static Tributary.Protocol.Records.LegacyMessageLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// Writes a magic 0 or 1 message set at the end of a <see cref="PooledBufferWriter"/>. Uncompressed, every
/// <c>Append</c> writes one message at once; compressed, the messages are collected as an inner set and
/// <see cref="Complete"/> writes one wrapper message holding them, as Kafka 0.8-0.10 producers and brokers did.
/// </summary>
/// <remarks>
/// Inside a magic-1 wrapper the inner offsets are relative to the first record and the wrapper takes the last
/// record's absolute offset; in magic 0 every offset is absolute. With LogAppendTime (magic 1) every message and
/// the wrapper carry the append time and the timestamp-type attribute, as Kafka writes them.
/// </remarks>
public sealed class LegacyMessageSetBuilder : IDisposable
{
    private readonly PooledBufferWriter _output;
    private readonly PooledBufferWriter _target;
    private readonly sbyte _magic;
    private readonly CompressionCodec _codec;
    private readonly long? _logAppendTime;
    private readonly int _start;
    private long _firstOffset = -1;
    private long _lastOffset = -1;
    private long _maxTimestamp = RecordBatchLayout.NoTimestamp;
    private bool _completed;

    /// <summary>Starts a message set of <paramref name="magic"/> at the end of <paramref name="output"/>.</summary>
    /// <param name="output">Where the set is written.</param>
    /// <param name="magic">0 or 1.</param>
    /// <param name="codec">None, gzip, snappy or lz4: the formats before record batches know no other.</param>
    /// <param name="logAppendTime">For magic 1, the broker's append time that every timestamp becomes; null for CreateTime.</param>
    public LegacyMessageSetBuilder(PooledBufferWriter output, sbyte magic, CompressionCodec codec = CompressionCodec.None, long? logAppendTime = null)
    {
        if (magic is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(magic), magic, "Message sets are of magic 0 or 1.");
        if (codec > CompressionCodec.Lz4) throw new UnsupportedCompressionException((int)codec);
        _output = output;
        _magic = magic;
        _codec = codec;
        _logAppendTime = magic > 0 ? logAppendTime : null;
        _start = output.WrittenCount;
        _target = codec == CompressionCodec.None ? output : new PooledBufferWriter(4096);
    }

    /// <summary>The number of records appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends a record; the timestamp is ignored in magic 0. Null key or value is written as length -1.</summary>
    public void Append(long offset, long timestamp, ReadOnlySpan<byte> key, bool isKeyNull, ReadOnlySpan<byte> value, bool isValueNull)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Count == 0) _firstOffset = offset;
        _lastOffset = offset;
        timestamp = _logAppendTime ?? timestamp;
        _maxTimestamp = Math.Max(_maxTimestamp, timestamp);
        var innerOffset = _codec != CompressionCodec.None && _magic > 0 ? offset - _firstOffset : offset;
        WriteMessage(_target, _magic, innerOffset, TimestampAttribute, timestamp, key, isKeyNull, value, isValueNull);
        Count++;
    }

    /// <summary>
    /// Writes the wrapper of a compressed set (nothing when no record was appended); returns the size of the whole
    /// message set written (the messages of an uncompressed set, the wrapper of a compressed one).
    /// </summary>
    public int Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        if (!ReferenceEquals(_target, _output) && Count > 0)
        {
            using var compressed = new PooledBufferWriter(_target.WrittenCount / 2 + 64);
            KafkaCompression.CompressLegacy(_codec, _magic, _target.WrittenSpan, compressed);
            WriteMessage(_output, _magic, _lastOffset, (byte)((byte)_codec | TimestampAttribute), _maxTimestamp,
                default, isKeyNull: true, compressed.WrittenSpan, isValueNull: false);
        }
        return _output.WrittenCount - _start;
    }

    /// <summary>Returns the scratch buffer of a compressed set.</summary>
    public void Dispose()
    {
        _completed = true;
        if (!ReferenceEquals(_target, _output)) _target.Dispose();
    }

    private byte TimestampAttribute => _logAppendTime is null ? (byte)0 : LogAppendTimeFlag;

    /// <summary>Writes one entry: offset, size, CRC-32 and the message.</summary>
    internal static void WriteMessage(PooledBufferWriter output, sbyte magic, long offset, byte attributes, long timestamp,
        ReadOnlySpan<byte> key, bool isKeyNull, ReadOnlySpan<byte> value, bool isValueNull)
    {
        var size = EntrySize(magic, isKeyNull ? -1 : key.Length, isValueNull ? -1 : value.Length);
        var entry = output.GetSpan(size)[..size];
        BinaryPrimitives.WriteInt64BigEndian(entry[OffsetOffset..], offset);
        BinaryPrimitives.WriteInt32BigEndian(entry[SizeOffset..], size - LogOverhead);
        entry[MagicOffset] = (byte)magic;
        entry[AttributesOffset] = attributes;
        if (magic > 0) BinaryPrimitives.WriteInt64BigEndian(entry[TimestampOffset..], timestamp);
        var at = KeyLengthOffset(magic);
        at = WriteBytes(entry, at, key, isKeyNull);
        WriteBytes(entry, at, value, isValueNull);
        BinaryPrimitives.WriteUInt32BigEndian(entry[CrcOffset..], Crc32.HashToUInt32(entry[MagicOffset..]));
        output.Advance(size);
    }

    private static int WriteBytes(Span<byte> entry, int at, ReadOnlySpan<byte> bytes, bool isNull)
    {
        BinaryPrimitives.WriteInt32BigEndian(entry[at..], isNull ? -1 : bytes.Length);
        at += sizeof(int);
        if (isNull) return at;
        bytes.CopyTo(entry[at..]);
        return at + bytes.Length;
    }
}
