using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests;

/// <summary>Builds valid record batches (uncompressed, with a correct CRC) for tests.</summary>
internal static class TestBatches
{
    /// <summary>
    /// A batch of <paramref name="count"/> records with <paramref name="valueSize"/>-byte values, record i stamped
    /// <paramref name="timestamp"/> + i * <paramref name="timestampStep"/>. A
    /// <paramref name="magic"/> other than 2 only changes the magic byte, as a legacy client's first byte would.
    /// </summary>
    public static byte[] Create(int count = 1, int valueSize = 10, long timestamp = 1_000, long producerId = -1,
        short producerEpoch = -1, int baseSequence = -1, byte magic = RecordBatchLayout.CurrentMagic, long timestampStep = 0)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, new RecordBatchOptions { ProducerId = producerId, ProducerEpoch = producerEpoch, BaseSequence = baseSequence }))
        {
            for (var i = 0; i < count; i++) builder.Append(timestamp + i * timestampStep, null, new byte[valueSize]);
            builder.Complete();
        }
        var bytes = output.ToArray();
        bytes[RecordBatchLayout.MagicOffset] = magic;
        return bytes;
    }

    /// <summary>Several batches back to back, as one produce request may carry them.</summary>
    public static byte[] Concat(params byte[][] batches) => batches.SelectMany(b => b).ToArray();
}
