using System.Buffers.Binary;
using System.Text;
using Tributary.Protocol.Compression;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// Builds one magic-2 record batch at the end of a <see cref="PooledBufferWriter"/>: <c>Append</c> the
/// records, then <see cref="Complete"/> writes the header and CRC. Uncompressed records are written straight
/// into the output; compressed ones go to a pooled scratch buffer first and are compressed on completion.
/// </summary>
/// <remarks>
/// The first record's timestamp becomes the base timestamp and offset deltas count from 0, as producers write
/// them. A batch completed with no records has timestamps of -1 and a last offset delta of 0, like the empty
/// batches Kafka keeps after compaction.
/// </remarks>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _output;
    private readonly RecordBatchOptions _options;
    private readonly int _batchStart;
    private readonly PooledBufferWriter _records;
    private long _baseTimestamp = NoTimestamp;
    private long _maxTimestamp = NoTimestamp;
    private bool _completed;

    /// <summary>Starts a batch at the current end of <paramref name="output"/>.</summary>
    public RecordBatchBuilder(PooledBufferWriter output, RecordBatchOptions? options = null)
    {
        _output = output;
        _options = options ?? RecordBatchOptions.Default;
        if (_options.Compression > CompressionCodec.Zstd)
            throw new UnsupportedCompressionException((int)_options.Compression);
        _batchStart = output.WrittenCount;
        // Reserve the header now; it is filled in when the batch is complete.
        output.GetSpan(HeaderSize)[..HeaderSize].Clear();
        output.Advance(HeaderSize);
        _records = _options.Compression == CompressionCodec.None ? output : new PooledBufferWriter(4096);
    }

    /// <summary>The number of records appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends a record. A null <paramref name="key"/> or <paramref name="value"/> is written as length -1.</summary>
    /// <remarks>
    /// This overload exists because a null <c>byte[]</c> converts implicitly to an empty, non-null
    /// <see cref="ReadOnlyMemory{T}"/>: without it, a tombstone passed as an array would be written as an empty value.
    /// </remarks>
    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeader> headers = default) =>
        Append(timestamp, RecordHeader.NullableMemory(key), RecordHeader.NullableMemory(value), headers);

    /// <summary>Appends a record whose key and value are slices of larger buffers; null is written as length -1.</summary>
    public void Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeader> headers = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Count == 0) _baseTimestamp = timestamp;
        _maxTimestamp = Math.Max(_maxTimestamp, timestamp);

        var timestampDelta = timestamp - _baseTimestamp;
        var offsetDelta = Count;
        var writer = new KafkaWriter(_records);
        writer.WriteVarInt(BodySize(timestampDelta, offsetDelta, key, value, headers));
        writer.WriteInt8(0);
        writer.WriteVarLong(timestampDelta);
        writer.WriteVarInt(offsetDelta);
        WriteNullableBytes(writer, key);
        WriteNullableBytes(writer, value);
        writer.WriteVarInt(headers.Length);
        foreach (var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            writer.WriteVarInt(keyLength);
            Encoding.UTF8.GetBytes(header.Key, _records.GetSpan(keyLength));
            _records.Advance(keyLength);
            WriteNullableBytes(writer, header.Value);
        }
        Count++;
    }

    /// <summary>Writes the header (and compresses the records if asked to); returns the size of the whole batch.</summary>
    public int Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        if (!ReferenceEquals(_records, _output))
        {
            KafkaCompression.Compress(_options.Compression, _records.WrittenSpan, _output);
            _records.Dispose();
        }

        var batch = _output.WrittenSpanMutable[_batchStart..];
        var attributes = (RecordBatchAttributes)(short)_options.Compression;
        if (_options.IsTransactional) attributes |= RecordBatchAttributes.Transactional;
        if (_options.IsControl) attributes |= RecordBatchAttributes.Control;
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetOffset..], _options.BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[BatchLengthOffset..], batch.Length - LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], _options.PartitionLeaderEpoch);
        batch[MagicOffset] = CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[LastOffsetDeltaOffset..], Math.Max(Count - 1, 0));
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[ProducerIdOffset..], _options.ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[ProducerEpochOffset..], _options.ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[BaseSequenceOffset..], _options.BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordCountOffset..], Count);
        RecordBatchRewriter.UpdateCrc(batch);
        return batch.Length;
    }

    /// <summary>Returns the scratch buffer of an uncompleted compressed batch; the output keeps what was written.</summary>
    public void Dispose()
    {
        _completed = true;
        if (!ReferenceEquals(_records, _output)) _records.Dispose();
    }

    private static int BodySize(long timestampDelta, int offsetDelta, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value,
        ReadOnlySpan<RecordHeader> headers)
    {
        var size = 1 + VarIntLength.Of(timestampDelta) + VarIntLength.Of(offsetDelta)
            + NullableBytesSize(key) + NullableBytesSize(value) + VarIntLength.Of(headers.Length);
        foreach (var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            size += VarIntLength.Of(keyLength) + keyLength + NullableBytesSize(header.Value);
        }
        return size;
    }

    private static int NullableBytesSize(ReadOnlyMemory<byte>? bytes) =>
        bytes is { Length: var length } ? VarIntLength.Of(length) + length : VarIntLength.Of(-1);

    private static void WriteNullableBytes(KafkaWriter writer, ReadOnlyMemory<byte>? bytes)
    {
        if (bytes is not { } present)
        {
            writer.WriteVarInt(-1);
            return;
        }
        writer.WriteVarInt(present.Length);
        writer.WriteRaw(present.Span);
    }
}
