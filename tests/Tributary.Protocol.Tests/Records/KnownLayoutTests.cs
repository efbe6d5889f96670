using System.Buffers.Binary;
using System.Text;
using Tributary.Protocol.Checksums;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

/// <summary>A batch laid out byte by byte from the table in PROTOCOL-NOTES.md, read field by field.</summary>
public class KnownLayoutTests
{
    private const long BaseTimestamp = 1_700_000_000_000;

    private static readonly byte[] Records =
    [
        // Record 0: length 12 (zig-zag 0x18), attributes 0, timestampDelta 0, offsetDelta 0,
        // key "k" (length 1 -> 0x02), value "hello" (length 5 -> 0x0A), no headers.
        0x18, 0x00, 0x00, 0x00, 0x02, (byte)'k', 0x0A, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', 0x00,
        // Record 1: length 9 (0x12), attributes 0, timestampDelta 5 (0x0A), offsetDelta 1 (0x02), key null (-1 -> 0x01),
        // value empty (0x00), one header (0x02): key "h", value null.
        0x12, 0x00, 0x0A, 0x02, 0x01, 0x00, 0x02, 0x02, (byte)'h', 0x01,
    ];

    private static byte[] HandBuiltBatch()
    {
        var batch = new byte[RecordBatchLayout.HeaderSize + Records.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span[0..], 100);                         // baseOffset
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);           // batchLength
        BinaryPrimitives.WriteInt32BigEndian(span[12..], 7);                          // partitionLeaderEpoch
        span[16] = 2;                                                                 // magic
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0x10);                       // attributes: transactional
        BinaryPrimitives.WriteInt32BigEndian(span[23..], 1);                          // lastOffsetDelta
        BinaryPrimitives.WriteInt64BigEndian(span[27..], BaseTimestamp);              // baseTimestamp
        BinaryPrimitives.WriteInt64BigEndian(span[35..], BaseTimestamp + 5);          // maxTimestamp
        BinaryPrimitives.WriteInt64BigEndian(span[43..], 4242);                       // producerId
        BinaryPrimitives.WriteInt16BigEndian(span[51..], 3);                          // producerEpoch
        BinaryPrimitives.WriteInt32BigEndian(span[53..], 10);                         // baseSequence
        BinaryPrimitives.WriteInt32BigEndian(span[57..], 2);                          // recordCount
        Records.CopyTo(span[61..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C.Compute(span[21..])); // crc over attributes..end
        return batch;
    }

    [Fact]
    public void Header_fields_are_read_from_their_offsets()
    {
        var bytes = HandBuiltBatch();
        var header = RecordBatch.Read(bytes).Header;

        Assert.Equal(100, header.BaseOffset);
        Assert.Equal(bytes.Length - 12, header.BatchLength);
        Assert.Equal(bytes.Length, header.TotalSize);
        Assert.Equal(7, header.PartitionLeaderEpoch);
        Assert.Equal(2, header.Magic);
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(21)), header.Crc);
        Assert.Equal(RecordBatchAttributes.Transactional, header.Attributes);
        Assert.Equal(CompressionCodec.None, header.Compression);
        Assert.Equal(TimestampType.CreateTime, header.TimestampType);
        Assert.True(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.Equal(1, header.LastOffsetDelta);
        Assert.Equal(101, header.LastOffset);
        Assert.Equal(BaseTimestamp, header.BaseTimestamp);
        Assert.Equal(BaseTimestamp + 5, header.MaxTimestamp);
        Assert.Equal(4242, header.ProducerId);
        Assert.Equal(3, header.ProducerEpoch);
        Assert.Equal(10, header.BaseSequence);
        Assert.Equal(2, header.RecordCount);
    }

    [Fact]
    public void Records_are_read_field_by_field()
    {
        var batch = RecordBatch.Read(HandBuiltBatch());
        batch.Validate();
        using var records = batch.ReadRecords();
        var enumerator = records.GetEnumerator();

        Assert.True(enumerator.MoveNext());
        var first = enumerator.Current;
        Assert.Equal(0, first.Attributes);
        Assert.Equal(0, first.TimestampDelta);
        Assert.Equal(0, first.OffsetDelta);
        Assert.Equal(100, first.Offset);
        Assert.Equal(BaseTimestamp, first.Timestamp);
        Assert.False(first.IsKeyNull);
        Assert.Equal("k", Encoding.UTF8.GetString(first.Key.Span));
        Assert.Equal("hello", Encoding.UTF8.GetString(first.Value.Span));
        Assert.Equal(0, first.Headers.Count);

        Assert.True(enumerator.MoveNext());
        var second = enumerator.Current;
        Assert.Equal(5, second.TimestampDelta);
        Assert.Equal(1, second.OffsetDelta);
        Assert.Equal(101, second.Offset);
        Assert.Equal(BaseTimestamp + 5, second.Timestamp);
        Assert.True(second.IsKeyNull);
        Assert.False(second.IsValueNull);
        Assert.True(second.Value.IsEmpty);
        Assert.Equal(1, second.Headers.Count);
        foreach (var header in second.Headers)
        {
            Assert.Equal("h", header.Key);
            Assert.True(header.IsValueNull);
        }

        Assert.False(enumerator.MoveNext());
    }

    [Fact]
    public void The_builder_writes_the_same_bytes()
    {
        var options = new RecordBatchOptions
        {
            BaseOffset = 100, PartitionLeaderEpoch = 7, ProducerId = 4242, ProducerEpoch = 3, BaseSequence = 10, IsTransactional = true,
        };
        var built = TestRecord.Batch(
            [
                new TestRecord(BaseTimestamp, "k"u8.ToArray(), "hello"u8.ToArray(), []),
                new TestRecord(BaseTimestamp + 5, null, [], [("h", null)]),
            ], options);

        Assert.Equal(HandBuiltBatch(), built);
    }
}
