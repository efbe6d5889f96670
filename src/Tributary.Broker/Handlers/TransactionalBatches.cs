using System.Buffers.Binary;
using Tributary.Protocol.Records;
using static Tributary.Protocol.Records.RecordBatchLayout;

namespace Tributary.Broker.Handlers;

/// <summary>Finds transactional record batches in produced bytes without validating them (validation comes later, per partition).</summary>
internal static class TransactionalBatches
{
    /// <summary>
    /// Whether a magic-2 batch in <paramref name="records"/> has the transactional attribute. Older message formats
    /// cannot be transactional; a truncated or malformed tail ends the walk.
    /// </summary>
    public static bool Any(ReadOnlySpan<byte> records)
    {
        while (records.Length >= HeaderSize)
        {
            if (records[MagicOffset] == 2
                && ((RecordBatchAttributes)BinaryPrimitives.ReadInt16BigEndian(records[AttributesOffset..]) & RecordBatchAttributes.Transactional) != 0)
                return true;
            var length = BinaryPrimitives.ReadInt32BigEndian(records[BatchLengthOffset..]);
            if (length < 0 || length > records.Length - LogOverhead) return false;
            records = records[(LogOverhead + length)..];
        }
        return false;
    }
}
