namespace Tributary.Protocol.Records;

/// <summary>The bits of a record batch's attributes field.</summary>
[Flags]
public enum RecordBatchAttributes : short
{
    /// <summary>No flag set and no compression.</summary>
    None = 0,
    /// <summary>Bits 0-2: the compression codec (see <see cref="Compression.CompressionCodec"/>).</summary>
    CompressionMask = 0x07,
    /// <summary>Bit 3: timestamps are the broker's append time (maxTimestamp) rather than the producer's create time.</summary>
    LogAppendTime = 0x08,
    /// <summary>Bit 4: the batch belongs to a transaction.</summary>
    Transactional = 0x10,
    /// <summary>Bit 5: the batch holds a control record (a transaction marker).</summary>
    Control = 0x20,
    /// <summary>Bit 6: baseTimestamp holds the delete horizon of a compacted batch (KIP-534).</summary>
    DeleteHorizon = 0x40,
}

/// <summary>What the timestamps of a batch mean.</summary>
public enum TimestampType
{
    /// <summary>Set by the producer when it created each record.</summary>
    CreateTime = 0,
    /// <summary>Set by the broker when it appended the batch; every record takes the batch's maxTimestamp.</summary>
    LogAppendTime = 1,
}
