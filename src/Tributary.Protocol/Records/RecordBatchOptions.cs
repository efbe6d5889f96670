using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Records;

/// <summary>The batch-level fields of a batch being built. The defaults are those of a plain, non-idempotent producer.</summary>
public sealed record RecordBatchOptions
{
    /// <summary>Options for an uncompressed batch from a plain producer.</summary>
    public static RecordBatchOptions Default { get; } = new();

    /// <summary>The base offset; producers write 0 and the broker assigns the real one.</summary>
    public long BaseOffset { get; init; }

    /// <summary>The partition leader epoch; producers write -1.</summary>
    public int PartitionLeaderEpoch { get; init; } = -1;

    /// <summary>The producer id; -1 for a producer without idempotence.</summary>
    public long ProducerId { get; init; } = -1;

    /// <summary>The producer epoch; -1 for a producer without idempotence.</summary>
    public short ProducerEpoch { get; init; } = -1;

    /// <summary>The sequence number of the first record; -1 for a producer without idempotence.</summary>
    public int BaseSequence { get; init; } = -1;

    /// <summary>Whether the batch belongs to a transaction.</summary>
    public bool IsTransactional { get; init; }

    /// <summary>Whether the batch holds control records (see <see cref="ControlBatchWriter"/>).</summary>
    public bool IsControl { get; init; }

    /// <summary>The codec that compresses the records section.</summary>
    public CompressionCodec Compression { get; init; } = CompressionCodec.None;
}
