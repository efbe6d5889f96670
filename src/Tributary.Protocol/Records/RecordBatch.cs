using System.Buffers.Binary;
using Tributary.Protocol.Compression;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// One whole magic-2 record batch in a buffer, exactly as it travels and is stored. Framing (magic and
/// batchLength) is checked when it is read; <see cref="Validate"/> checks the rest; <see cref="ReadRecords"/> iterates.
/// </summary>
public readonly struct RecordBatch
{
    private RecordBatch(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    /// <summary>The batch's bytes, from baseOffset to the end of the last record.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>A view of the header fields.</summary>
    public RecordBatchHeader Header => new(Bytes.Span);

    /// <summary>Reads the batch at the start of <paramref name="buffer"/>; bytes after it are ignored.</summary>
    /// <exception cref="TruncatedDataException">The buffer ends before the batch does.</exception>
    /// <exception cref="UnsupportedMessageFormatException">The magic byte is not 2.</exception>
    /// <exception cref="InvalidLengthException">batchLength is smaller than a header.</exception>
    public static RecordBatch Read(ReadOnlyMemory<byte> buffer)
    {
        if (TryRead(buffer, out var batch)) return batch;
        var needed = buffer.Length > BatchLengthOffset + sizeof(int)
            ? (long)BinaryPrimitives.ReadInt32BigEndian(buffer.Span[BatchLengthOffset..]) + LogOverhead
            : HeaderSize;
        throw new TruncatedDataException("record batch", 0, needed, buffer.Length);
    }

    /// <summary>
    /// Reads the batch at the start of <paramref name="buffer"/>, or returns false when the buffer holds only part
    /// of it, as the last batch of a fetch response may (the broker cuts at the size limit).
    /// </summary>
    /// <exception cref="UnsupportedMessageFormatException">The magic byte is not 2.</exception>
    /// <exception cref="InvalidLengthException">batchLength is smaller than a header.</exception>
    public static bool TryRead(ReadOnlyMemory<byte> buffer, out RecordBatch batch)
    {
        batch = default;
        var span = buffer.Span;
        if (span.Length <= MagicOffset) return false;
        var magic = (sbyte)span[MagicOffset];
        if (magic != CurrentMagic) throw new UnsupportedMessageFormatException(magic);
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(span[BatchLengthOffset..]);
        if (batchLength < MinimumBatchLength)
            throw new InvalidLengthException($"Record batch length {batchLength} is smaller than the {MinimumBatchLength} bytes of a header.");
        var total = (long)batchLength + LogOverhead;
        if (total > span.Length) return false;
        batch = new RecordBatch(buffer[..(int)total]);
        return true;
    }

    /// <summary>Checks magic, length, CRC, codec and record count; see <see cref="RecordBatchValidator"/>.</summary>
    public void Validate() => RecordBatchValidator.Validate(Bytes.Span);

    /// <summary>
    /// Opens the records for iteration: uncompressed records are read in place; compressed ones are first
    /// decompressed into a pooled buffer that <see cref="RecordBatchRecords.Dispose"/> returns.
    /// The CRC is not checked here (see <see cref="Validate"/>).
    /// </summary>
    /// <param name="maxDecompressedBytes">The most bytes decompression may produce; more throws <see cref="DecompressionLimitExceededException"/>.</param>
    /// <exception cref="UnsupportedCompressionException">The codec is 5, 6 or 7.</exception>
    /// <exception cref="CorruptRecordException">The record count is negative or more than the bytes can hold.</exception>
    public RecordBatchRecords ReadRecords(int maxDecompressedBytes = KafkaCompression.DefaultMaxDecompressedBytes)
    {
        var header = Header;
        var codec = header.Compression;
        var count = header.RecordCount;
        var records = Bytes[HeaderSize..];
        var context = new RecordContext(header.BaseOffset, header.BaseTimestamp,
            header.TimestampType == TimestampType.LogAppendTime ? header.MaxTimestamp : null);
        if (codec == CompressionCodec.None)
        {
            RecordBatchValidator.CheckRecordCount(count, records.Length);
            return new RecordBatchRecords(records, count, context, decompressed: null);
        }

        RecordBatchValidator.CheckRecordCount(count, maxDecompressedBytes);
        // Start near a typical compression ratio; the buffer grows as needed up to the limit.
        var buffer = new PooledBufferWriter((int)Math.Min(4L * records.Length, maxDecompressedBytes));
        try
        {
            KafkaCompression.Decompress(codec, records, buffer, maxDecompressedBytes);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        return new RecordBatchRecords(buffer.WrittenMemory, count, context, buffer);
    }
}
