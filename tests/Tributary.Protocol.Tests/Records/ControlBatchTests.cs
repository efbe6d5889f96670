using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

public class ControlBatchTests
{
    [Theory]
    [InlineData(ControlRecordType.Commit)]
    [InlineData(ControlRecordType.Abort)]
    public void Markers_round_trip(ControlRecordType type)
    {
        using var output = new PooledBufferWriter();
        var size = ControlBatchWriter.Write(output, new ControlRecord(type, CoordinatorEpoch: 17), producerId: 3000, producerEpoch: 4,
            timestamp: 1_234, baseOffset: 50, partitionLeaderEpoch: 2);

        var batch = RecordBatch.Read(output.WrittenMemory);
        Assert.Equal(size, batch.Bytes.Length);
        batch.Validate();
        var header = batch.Header;
        Assert.True(header.IsControl);
        Assert.True(header.IsTransactional);
        Assert.Equal(3000, header.ProducerId);
        Assert.Equal(4, header.ProducerEpoch);
        Assert.Equal(-1, header.BaseSequence);
        Assert.Equal(50, header.BaseOffset);
        Assert.Equal(2, header.PartitionLeaderEpoch);
        Assert.Equal(1, header.RecordCount);

        using var records = batch.ReadRecords();
        var markers = new List<ControlRecord>();
        foreach (var record in records)
        {
            Assert.Equal(1_234, record.Timestamp);
            Assert.Equal(4, record.Key.Length);
            Assert.Equal(6, record.Value.Length);
            markers.Add(ControlRecord.Parse(record));
        }
        Assert.Equal([new ControlRecord(type, 17)], markers);
        Assert.True(markers[0].IsTransactionMarker);
    }

    [Fact]
    public void Marker_key_layout_is_version_then_type()
    {
        using var output = new PooledBufferWriter();
        ControlBatchWriter.Write(output, new ControlRecord(ControlRecordType.Commit, 0x01020304), 1, 0, 0);
        using var records = RecordBatch.Read(output.WrittenMemory).ReadRecords();
        foreach (var record in records)
        {
            Assert.Equal(new byte[] { 0, 0, 0, 1 }, record.Key.ToArray());
            Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 4 }, record.Value.ToArray());
        }
    }

    [Fact]
    public void Other_control_types_parse_without_an_epoch()
    {
        // Type 2 (KRaft leader change) has a value that is not a transaction marker.
        var bytes = TestRecord.Batch([new TestRecord(0, [0, 0, 0, 2], [9], [])],
            new RecordBatchOptions { IsControl = true });
        using var records = RecordBatch.Read(bytes).ReadRecords();
        foreach (var record in records)
        {
            var control = ControlRecord.Parse(record);
            Assert.Equal((ControlRecordType)2, control.Type);
            Assert.False(control.IsTransactionMarker);
            Assert.Equal(-1, control.CoordinatorEpoch);
        }
    }

    [Theory]
    [InlineData(null, new byte[] { 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0 }, new byte[] { 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 1 }, null)]
    [InlineData(new byte[] { 0, 0, 0, 1 }, new byte[] { 0, 0, 0, 0, 0 })]
    public void Short_or_null_key_or_value_is_corrupt(byte[]? key, byte[]? value)
    {
        var bytes = TestRecord.Batch([new TestRecord(0, key, value, [])], new RecordBatchOptions { IsControl = true });
        using var records = RecordBatch.Read(bytes).ReadRecords();
        var enumerator = records.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        var record = enumerator.Current;
        Assert.Throws<CorruptRecordException>(() => ControlRecord.Parse(record));
    }

    [Fact]
    public void Only_markers_can_be_written()
    {
        using var output = new PooledBufferWriter();
        Assert.Throws<ArgumentException>(() => ControlBatchWriter.Write(output, new ControlRecord((ControlRecordType)2, 0), 1, 0, 0));
    }
}
