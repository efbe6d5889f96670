using System.Buffers.Binary;
using Tributary.Broker.Log;
using Tributary.Protocol;

namespace Tributary.Broker.Tests;

/// <summary>Builds valid magic-2 record batches (uncompressed, with a correct CRC) for tests.</summary>
internal static class TestBatches
{
    /// <summary>A batch of <paramref name="count"/> records with <paramref name="valueSize"/>-byte values.</summary>
    public static byte[] Create(int count = 1, int valueSize = 10, long timestamp = 1_000, long producerId = -1,
        short producerEpoch = -1, int baseSequence = -1, byte magic = 2)
    {
        using var buffer = new PooledBufferWriter();
        var w = new KafkaWriter(buffer);
        w.WriteInt64(0);            // baseOffset
        w.WriteInt32(0);            // batchLength, patched below
        w.WriteInt32(-1);           // partitionLeaderEpoch
        w.WriteInt8((sbyte)magic);
        w.WriteUInt32(0);           // crc, patched below
        w.WriteInt16(0);            // attributes
        w.WriteInt32(count - 1);    // lastOffsetDelta
        w.WriteInt64(timestamp);    // baseTimestamp
        w.WriteInt64(timestamp);    // maxTimestamp
        w.WriteInt64(producerId);
        w.WriteInt16(producerEpoch);
        w.WriteInt32(baseSequence);
        w.WriteInt32(count);
        for (var i = 0; i < count; i++) WriteRecord(buffer, i, valueSize);

        var bytes = buffer.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), bytes.Length - BatchHeader.LogOverhead);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(17), BatchHeader.ComputeCrc(bytes));
        return bytes;
    }

    private static void WriteRecord(PooledBufferWriter output, int offsetDelta, int valueSize)
    {
        using var body = new PooledBufferWriter();
        var r = new KafkaWriter(body);
        r.WriteInt8(0);               // attributes
        r.WriteVarLong(0);            // timestampDelta
        r.WriteVarInt(offsetDelta);
        r.WriteVarInt(-1);            // null key
        r.WriteVarInt(valueSize);
        r.WriteRaw(new byte[valueSize]);
        r.WriteVarInt(0);             // no headers
        var w = new KafkaWriter(output);
        w.WriteVarInt(body.WrittenCount);
        w.WriteRaw(body.WrittenSpan);
    }

    /// <summary>Several batches back to back, as one produce request may carry them.</summary>
    public static byte[] Concat(params byte[][] batches) => batches.SelectMany(b => b).ToArray();
}
