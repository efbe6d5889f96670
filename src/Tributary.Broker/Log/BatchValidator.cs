using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>
/// Checks the records of a produce request the way Kafka's log validator does before anything is stored:
/// whole batches only, magic 2, a sane header, the size limit of the topic, and a matching CRC-32C.
/// </summary>
internal static class BatchValidator
{
    /// <summary>Returns <see cref="ErrorCode.None"/> when every batch in <paramref name="records"/> may be appended.</summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxMessageBytes)
    {
        if (records.IsEmpty) return ErrorCode.CorruptMessage;
        while (!records.IsEmpty)
        {
            if (records.Length <= RecordBatchLayout.MagicOffset) return ErrorCode.CorruptMessage;
            // Message sets of magic 0 and 1 keep the magic byte where batches of magic 2 do, but are shorter than a batch header.
            if (records[RecordBatchLayout.MagicOffset] is 0 or 1) return ErrorCode.UnsupportedForMessageFormat;
            if (records.Length < RecordBatchLayout.HeaderSize) return ErrorCode.CorruptMessage;

            var totalSize = new RecordBatchHeader(records).TotalSize;
            if (totalSize < RecordBatchLayout.HeaderSize || totalSize > records.Length) return ErrorCode.CorruptMessage;
            if (totalSize > maxMessageBytes) return ErrorCode.MessageTooLarge;
            var batch = records[..(int)totalSize];
            try
            {
                RecordBatchValidator.Validate(batch);
            }
            catch (UnsupportedMessageFormatException e)
            {
                return e.ErrorCode;
            }
            catch (KafkaProtocolException)
            {
                return ErrorCode.CorruptMessage;
            }
            records = records[(int)totalSize..];
        }
        return ErrorCode.None;
    }

    /// <summary>
    /// Kafka's timestamp bounds for CreateTime batches: INVALID_TIMESTAMP when the newest record lies more than
    /// the allowed time ahead of the broker's clock, or the batch's first record more than the allowed time behind it.
    /// Call after <see cref="Validate"/> accepted the records.
    /// </summary>
    public static ErrorCode ValidateTimestamps(ReadOnlySpan<byte> records, AppendOptions options)
    {
        if (options.UseLogAppendTime) return ErrorCode.None;
        for (var rest = records; !rest.IsEmpty; rest = rest[(int)new RecordBatchHeader(rest).TotalSize..])
        {
            var header = new RecordBatchHeader(rest);
            if (header.RecordCount == 0 || header.IsControl) continue;
            if (header.MaxTimestamp - options.NowMs > options.MaxTimestampAheadMs) return ErrorCode.InvalidTimestamp;
            if (header.BaseTimestamp >= 0 && options.NowMs - header.BaseTimestamp > options.MaxTimestampBehindMs) return ErrorCode.InvalidTimestamp;
        }
        return ErrorCode.None;
    }
}
