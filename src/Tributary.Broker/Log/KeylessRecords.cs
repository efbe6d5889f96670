using Tributary.Protocol.Records;

namespace Tributary.Broker.Log;

/// <summary>
/// Kafka's key check for compacted topics (LogValidator.validateKey): a record without a key cannot be compacted,
/// so a produce to a topic whose cleanup.policy contains compact is refused with INVALID_RECORD, naming each such
/// record by its index in its batch.
/// </summary>
internal static class KeylessRecords
{
    /// <summary>The index within its batch of every keyless record in <paramref name="records"/> (valid batches; control batches skipped).</summary>
    public static List<int> Find(ReadOnlyMemory<byte> records)
    {
        var found = new List<int>();
        while (!records.IsEmpty)
        {
            var header = new RecordBatchHeader(records.Span);
            var size = (int)header.TotalSize;
            if (!header.IsControl)
            {
                using var batch = RecordBatch.Read(records[..size]).ReadRecords();
                var index = 0;
                foreach (var record in batch)
                {
                    if (record.IsKeyNull) found.Add(index);
                    index++;
                }
            }
            records = records[size..];
        }
        return found;
    }

    /// <summary>Kafka's message for one keyless record.</summary>
    public static string Message(string topic, int partition) =>
        $"Compacted topic cannot accept message without key in topic partition {topic}-{partition}.";

    /// <summary>Kafka's partition-level message summing up the record errors (at most the first three are shown).</summary>
    public static string Summary(IReadOnlyList<int> indexes, string message) =>
        $"One or more records have been rejected due to {indexes.Count} record errors in total, and only showing the first three errors at most: " +
        $"[{string.Join(", ", indexes.Take(3).Select(i => $"RecordError(batchIndex={i}, message='{message}')"))}]";
}
