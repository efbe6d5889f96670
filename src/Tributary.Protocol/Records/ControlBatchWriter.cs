namespace Tributary.Protocol.Records;

/// <summary>Writes transaction marker batches: transactional + control, one COMMIT or ABORT record, no compression.</summary>
public static class ControlBatchWriter
{
    /// <summary>Appends a marker batch to <paramref name="output"/> and returns its size.</summary>
    /// <param name="output">Where the batch is written.</param>
    /// <param name="marker">Commit or abort, with the coordinator epoch.</param>
    /// <param name="producerId">The transactional producer's id.</param>
    /// <param name="producerEpoch">The transactional producer's epoch.</param>
    /// <param name="timestamp">The marker's timestamp (the coordinator's clock).</param>
    /// <param name="baseOffset">The offset the marker takes in the partition.</param>
    /// <param name="partitionLeaderEpoch">The epoch of the leader writing it.</param>
    public static int Write(PooledBufferWriter output, ControlRecord marker, long producerId, short producerEpoch, long timestamp,
        long baseOffset = 0, int partitionLeaderEpoch = -1)
    {
        if (!marker.IsTransactionMarker) throw new ArgumentException($"Only commit and abort markers can be written, not {marker.Type}.", nameof(marker));
        var key = new byte[ControlRecord.KeySize];
        var value = new byte[ControlRecord.MarkerValueSize];
        marker.WriteKey(key);
        marker.WriteMarkerValue(value);
        using var builder = new RecordBatchBuilder(output, new RecordBatchOptions
        {
            BaseOffset = baseOffset,
            PartitionLeaderEpoch = partitionLeaderEpoch,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            IsTransactional = true,
            IsControl = true,
        });
        builder.Append(timestamp, key, value);
        return builder.Complete();
    }
}
