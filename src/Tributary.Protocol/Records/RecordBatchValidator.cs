using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Protocol.Records;

/// <summary>
/// The checks a broker makes before storing a batch as it came: magic 2, a batchLength that matches the bytes,
/// a matching CRC-32C, a defined codec and a plausible record count. The records themselves are checked
/// by iterating them (<see cref="RecordBatch.ReadRecords"/>), which also verifies the count exactly.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>Validates one whole batch; <paramref name="batch"/> must hold exactly that batch.</summary>
    /// <exception cref="TruncatedDataException">Fewer bytes than a batch header.</exception>
    /// <exception cref="UnsupportedMessageFormatException">The magic byte is not 2.</exception>
    /// <exception cref="InvalidLengthException">batchLength disagrees with the buffer.</exception>
    /// <exception cref="CorruptRecordException">CRC mismatch, or an impossible record count or last offset delta.</exception>
    /// <exception cref="Compression.UnsupportedCompressionException">The codec is 5, 6 or 7.</exception>
    public static void Validate(ReadOnlySpan<byte> batch)
    {
        var header = new RecordBatchHeader(batch);
        if (header.Magic != CurrentMagic) throw new UnsupportedMessageFormatException(header.Magic);
        if (header.TotalSize != batch.Length)
            throw new InvalidLengthException($"Record batch length {header.BatchLength} makes a batch of {header.TotalSize} bytes, but the buffer holds {batch.Length}.");

        var actualCrc = header.ComputeCrc();
        if (actualCrc != header.Crc) throw CorruptRecordException.CrcMismatch(header.Crc, actualCrc);

        var codec = header.Compression;
        var count = header.RecordCount;
        if (codec == Compression.CompressionCodec.None) CheckRecordCount(count, batch.Length - HeaderSize);
        else if (count < 0) throw new CorruptRecordException($"Record batch declares a negative record count {count}.");
        if (count > 0 && header.LastOffsetDelta < count - 1)
            throw new CorruptRecordException($"Record batch declares {count} records but a last offset delta of {header.LastOffsetDelta}.");
    }

    /// <summary>Throws unless <paramref name="count"/> records can fit in <paramref name="recordBytes"/> bytes.</summary>
    internal static void CheckRecordCount(int count, int recordBytes)
    {
        if (count < 0) throw new CorruptRecordException($"Record batch declares a negative record count {count}.");
        if ((long)count * MinimumRecordSize > recordBytes)
            throw new CorruptRecordException($"Record batch declares {count} records, more than its {recordBytes} bytes of records can hold.");
    }
}
