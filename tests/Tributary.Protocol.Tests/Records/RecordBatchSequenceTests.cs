using System.Buffers.Binary;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

public class RecordBatchSequenceTests
{
    private static byte[] ThreeBatches(out int[] sizes)
    {
        var batches = new[]
        {
            TestRecord.Batch([TestRecord.Of(1, "a", "1"), TestRecord.Of(2, "b", "2")], new RecordBatchOptions { BaseOffset = 0 }),
            TestRecord.Batch([TestRecord.Of(3, "c", "3")], new RecordBatchOptions { BaseOffset = 2, Compression = CompressionCodec.Lz4 }),
            TestRecord.Batch([TestRecord.Of(4, "d", "4"), TestRecord.Of(5, null, null)], new RecordBatchOptions { BaseOffset = 3 }),
        };
        sizes = batches.Select(b => b.Length).ToArray();
        return batches.SelectMany(b => b).ToArray();
    }

    private static List<long> BaseOffsets(ReadOnlyMemory<byte> buffer)
    {
        var offsets = new List<long>();
        foreach (var batch in new RecordBatchSequence(buffer))
        {
            batch.Validate();
            offsets.Add(batch.Header.BaseOffset);
        }
        return offsets;
    }

    [Fact]
    public void Iterates_concatenated_batches()
    {
        Assert.Equal([0L, 2L, 3L], BaseOffsets(ThreeBatches(out _)));
    }

    [Fact]
    public void A_partial_last_batch_is_skipped_at_every_cut()
    {
        var buffer = ThreeBatches(out var sizes);
        var twoWhole = sizes[0] + sizes[1];
        for (var cut = twoWhole; cut < buffer.Length; cut++)
            Assert.Equal([0L, 2L], BaseOffsets(buffer.AsMemory(0, cut)));
        for (var cut = 0; cut < sizes[0]; cut++)
            Assert.Empty(BaseOffsets(buffer.AsMemory(0, cut)));
    }

    [Fact]
    public void Legacy_message_formats_are_refused()
    {
        var buffer = ThreeBatches(out var sizes);
        buffer[sizes[0] + RecordBatchLayout.MagicOffset] = 1;
        var exception = Assert.Throws<UnsupportedMessageFormatException>(() => BaseOffsets(buffer));
        Assert.Equal(ErrorCode.UnsupportedForMessageFormat, exception.ErrorCode);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(RecordBatchLayout.MinimumBatchLength - 1)]
    public void A_batch_length_below_the_header_size_is_refused(int batchLength)
    {
        var buffer = ThreeBatches(out _);
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(RecordBatchLayout.BatchLengthOffset), batchLength);
        Assert.Throws<InvalidLengthException>(() => BaseOffsets(buffer));
    }

    [Fact]
    public void Read_reports_a_truncated_batch()
    {
        var buffer = ThreeBatches(out var sizes);
        Assert.Throws<TruncatedDataException>(() => RecordBatch.Read(buffer.AsMemory(0, sizes[0] - 1)));
        Assert.Throws<TruncatedDataException>(() => RecordBatch.Read(buffer.AsMemory(0, 10)));
        Assert.Equal(sizes[0], RecordBatch.Read(buffer).Bytes.Length);
    }
}
