using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>
/// Finds records by timestamp inside one stored batch (decompressing it if needed), so ListOffsets answers with
/// the exact record, as Kafka does, rather than the start of the batch that holds it.
/// </summary>
internal static class RecordTimestamps
{
    /// <summary>The first record at or after <paramref name="timestamp"/> whose offset is at least <paramref name="minOffset"/>.</summary>
    public static OffsetAndTimestamp FirstAtOrAfter(ReadOnlyMemory<byte> batch, long timestamp, long minOffset)
    {
        using var records = RecordBatch.Read(batch).ReadRecords();
        foreach (var record in records)
        {
            if (record.Offset >= minOffset && record.Timestamp >= timestamp) return new(record.Offset, record.Timestamp);
        }
        return OffsetAndTimestamp.None;
    }
}
