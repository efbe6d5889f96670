using CsCheck;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

public class RoundTripTests
{
    public static TheoryData<CompressionCodec> AllCodecs => new(Enum.GetValues<CompressionCodec>());

    private static readonly TestRecord[] MixedRecords =
    [
        TestRecord.Of(1_000, "key", "value", ("trace", "abc"), ("empty", ""), ("null", null)),
        TestRecord.Of(1_003, null, "value without key"),
        TestRecord.Of(999, "tombstone", null),
        TestRecord.Of(1_010, "", ""),
        TestRecord.Of(1_001, "unicode-ключ", "värde ✓", ("ключ", "✓")),
    ];

    [Theory]
    [MemberData(nameof(AllCodecs))]
    public void Mixed_records_round_trip(CompressionCodec codec)
    {
        var bytes = TestRecord.Batch(codec, MixedRecords);

        var batch = RecordBatch.Read(bytes);
        batch.Validate();
        var header = batch.Header;
        Assert.Equal(codec, header.Compression);
        Assert.Equal(MixedRecords.Length, header.RecordCount);
        Assert.Equal(MixedRecords.Length - 1, header.LastOffsetDelta);
        Assert.Equal(1_000, header.BaseTimestamp);
        Assert.Equal(1_010, header.MaxTimestamp);
        Assert.Equal(MixedRecords, TestRecord.ReadAll(bytes));
    }

    [Theory]
    [MemberData(nameof(AllCodecs))]
    public void A_batch_of_one_record_round_trips(CompressionCodec codec)
    {
        var record = TestRecord.Of(42, "k", "v");
        var bytes = TestRecord.Batch(codec, record);
        RecordBatch.Read(bytes).Validate();
        Assert.Equal([record], TestRecord.ReadAll(bytes));
        Assert.Equal(0, RecordBatch.Read(bytes).Header.LastOffsetDelta);
    }

    [Theory]
    [MemberData(nameof(AllCodecs))]
    public void An_empty_batch_round_trips(CompressionCodec codec)
    {
        var bytes = TestRecord.Batch(codec);
        var batch = RecordBatch.Read(bytes);
        batch.Validate();
        Assert.Equal(0, batch.Header.RecordCount);
        Assert.Equal(RecordBatchLayout.NoTimestamp, batch.Header.BaseTimestamp);
        Assert.Empty(TestRecord.ReadAll(bytes));
    }

    [Theory]
    [MemberData(nameof(AllCodecs))]
    public void A_large_batch_round_trips(CompressionCodec codec)
    {
        var random = new Random(7);
        var records = Enumerable.Range(0, 20_000).Select(i =>
        {
            var value = new byte[100];
            random.NextBytes(value.AsSpan(0, 30)); // partly random, partly compressible
            return new TestRecord(1_700_000_000_000 + i, BitConverter.GetBytes(i), value, i % 10 == 0 ? [("n", BitConverter.GetBytes(i))] : []);
        }).ToArray();

        var bytes = TestRecord.Batch(codec, records);

        RecordBatch.Read(bytes).Validate();
        Assert.Equal(records, TestRecord.ReadAll(bytes));
        if (codec != CompressionCodec.None) Assert.True(bytes.Length < 20_000 * 100, $"{codec} did not compress: {bytes.Length} bytes");
    }

    [Fact]
    public void Slices_of_larger_buffers_are_written_as_given_and_null_memory_stays_null()
    {
        var buffer = "xxKEYxxVALUExx"u8.ToArray();
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output))
        {
            builder.Append(1, buffer.AsMemory(2, 3), buffer.AsMemory(7, 5), [new RecordHeader("h", buffer.AsMemory(0, 2))]);
            builder.Append(2, (ReadOnlyMemory<byte>?)null, null);
            builder.Complete();
        }
        Assert.Equal(
            [TestRecord.Of(1, "KEY", "VALUE", ("h", "xx")), TestRecord.Of(2, null, null)],
            TestRecord.ReadAll(output.ToArray()));
    }

    [Fact]
    public void Producer_fields_and_flags_round_trip()
    {
        var options = new RecordBatchOptions
        {
            BaseOffset = 5, PartitionLeaderEpoch = 9, ProducerId = long.MaxValue - 1, ProducerEpoch = short.MaxValue,
            BaseSequence = int.MaxValue - 10, IsTransactional = true, Compression = CompressionCodec.Zstd,
        };
        var header = RecordBatch.Read(TestRecord.Batch([TestRecord.Of(1, "a", "b")], options)).Header;
        Assert.Equal(5, header.BaseOffset);
        Assert.Equal(9, header.PartitionLeaderEpoch);
        Assert.Equal(long.MaxValue - 1, header.ProducerId);
        Assert.Equal(short.MaxValue, header.ProducerEpoch);
        Assert.Equal(int.MaxValue - 10, header.BaseSequence);
        Assert.True(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.Equal(CompressionCodec.Zstd, header.Compression);
    }

    private static readonly Gen<byte[]?> NullableBytes =
        Gen.Select(Gen.Int[0, 4], Gen.Byte.Array[0, 200], (pick, bytes) => pick == 0 ? null : bytes);

    private static readonly Gen<TestRecord> AnyRecord =
        Gen.Select(Gen.Long[-1, long.MaxValue / 4], NullableBytes, NullableBytes,
            Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 12], NullableBytes).Array[0, 4],
            (timestamp, key, value, headers) => new TestRecord(timestamp, key, value, headers));

    [Fact]
    public void Random_records_round_trip_with_every_codec()
    {
        Gen.Select(AnyRecord.Array[0, 40], Gen.Enum<CompressionCodec>()).Sample((records, codec) =>
        {
            var bytes = TestRecord.Batch(codec, records);
            RecordBatch.Read(bytes).Validate();
            Assert.Equal(records, TestRecord.ReadAll(bytes));
        }, iter: 300);
    }
}
