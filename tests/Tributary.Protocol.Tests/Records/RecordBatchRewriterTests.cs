using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

public class RecordBatchRewriterTests
{
    private static byte[] Batch() => TestRecord.Batch(
        [TestRecord.Of(1_000, "a", "1"), TestRecord.Of(1_500, "b", "2"), TestRecord.Of(1_200, "c", "3")],
        new RecordBatchOptions { Compression = CompressionCodec.Snappy });

    [Fact]
    public void Base_offset_and_leader_epoch_are_set_in_place_and_the_crc_stays_valid()
    {
        var bytes = Batch();
        var crcBefore = RecordBatch.Read(bytes).Header.Crc;

        RecordBatchRewriter.SetBaseOffset(bytes, 1_000_000);
        RecordBatchRewriter.SetPartitionLeaderEpoch(bytes, 12);

        var batch = RecordBatch.Read(bytes);
        batch.Validate();
        Assert.Equal(crcBefore, batch.Header.Crc);
        Assert.Equal(1_000_000, batch.Header.BaseOffset);
        Assert.Equal(1_000_002, batch.Header.LastOffset);
        Assert.Equal(12, batch.Header.PartitionLeaderEpoch);
        using var records = batch.ReadRecords();
        var offsets = new List<long>();
        foreach (var record in records) offsets.Add(record.Offset);
        Assert.Equal([1_000_000L, 1_000_001L, 1_000_002L], offsets);
    }

    [Fact]
    public void Log_append_time_sets_the_flag_and_max_timestamp_and_recomputes_the_crc()
    {
        var bytes = Batch();
        var crcBefore = RecordBatch.Read(bytes).Header.Crc;

        RecordBatchRewriter.SetLogAppendTime(bytes, 9_999);

        var batch = RecordBatch.Read(bytes);
        batch.Validate();
        Assert.NotEqual(crcBefore, batch.Header.Crc);
        Assert.Equal(TimestampType.LogAppendTime, batch.Header.TimestampType);
        Assert.Equal(CompressionCodec.Snappy, batch.Header.Compression);
        Assert.Equal(9_999, batch.Header.MaxTimestamp);
        using var records = batch.ReadRecords();
        foreach (var record in records) Assert.Equal(9_999, record.Timestamp);
    }

    [Fact]
    public void Rewriting_a_buffer_shorter_than_a_header_is_refused()
    {
        var tooShort = new byte[RecordBatchLayout.HeaderSize - 1];
        Assert.Throws<TruncatedDataException>(() => RecordBatchRewriter.SetBaseOffset(tooShort, 1));
        Assert.Throws<TruncatedDataException>(() => RecordBatchRewriter.SetLogAppendTime(tooShort, 1));
    }
}
