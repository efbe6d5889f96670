using Tributary.Protocol;

namespace Tributary.Broker.Log;

/// <summary>
/// Checks the records of a produce request the way Kafka's log validator does before anything is stored:
/// whole batches only, magic 2, a sane header, the size limit of the topic, and a matching CRC-32C.
/// </summary>
internal static class BatchValidator
{
    private const int MagicOffset = 16;
    private const byte CurrentMagic = 2;

    /// <summary>Returns <see cref="ErrorCode.None"/> when every batch in <paramref name="records"/> may be appended.</summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxMessageBytes)
    {
        if (records.IsEmpty) return ErrorCode.CorruptMessage;
        while (!records.IsEmpty)
        {
            if (records.Length <= MagicOffset) return ErrorCode.CorruptMessage;
            // Message sets of magic 0 and 1 keep the magic byte at the same position as batches of magic 2.
            var magic = records[MagicOffset];
            if (magic is 0 or 1) return ErrorCode.UnsupportedForMessageFormat;
            if (magic != CurrentMagic) return ErrorCode.CorruptMessage;

            var batchLength = BatchHeader.BatchLength(records);
            if (batchLength < BatchHeader.Size - BatchHeader.LogOverhead) return ErrorCode.CorruptMessage;
            var totalSize = (long)batchLength + BatchHeader.LogOverhead;
            if (totalSize > records.Length) return ErrorCode.CorruptMessage;
            if (totalSize > maxMessageBytes) return ErrorCode.MessageTooLarge;

            var batch = records[..(int)totalSize];
            if (BatchHeader.Crc(batch) != BatchHeader.ComputeCrc(batch)) return ErrorCode.CorruptMessage;
            if (BatchHeader.LastOffsetDelta(batch) < 0 || BatchHeader.RecordCount(batch) <= 0) return ErrorCode.CorruptMessage;
            records = records[(int)totalSize..];
        }
        return ErrorCode.None;
    }
}
