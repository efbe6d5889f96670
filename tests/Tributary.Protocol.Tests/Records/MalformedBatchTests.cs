using System.Buffers.Binary;
using CsCheck;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

/// <summary>Bad input gives a clear <see cref="KafkaProtocolException"/>, never an index error, a hang or a huge allocation.</summary>
public class MalformedBatchTests
{
    /// <summary>A batch around hand-written record bytes, with a consistent length and a valid CRC.</summary>
    private static byte[] RawBatch(byte[] records, int recordCount, short attributes = 0, int? lastOffsetDelta = null)
    {
        var batch = new byte[RecordBatchLayout.HeaderSize + records.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.BatchLengthOffset..], batch.Length - RecordBatchLayout.LogOverhead);
        span[RecordBatchLayout.MagicOffset] = RecordBatchLayout.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchLayout.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.LastOffsetDeltaOffset..], lastOffsetDelta ?? Math.Max(recordCount - 1, 0));
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.RecordCountOffset..], recordCount);
        records.CopyTo(span[RecordBatchLayout.HeaderSize..]);
        RecordBatchRewriter.UpdateCrc(batch);
        return batch;
    }

    private static void Iterate(byte[] bytes, int maxDecompressedBytes = KafkaCompression.DefaultMaxDecompressedBytes)
    {
        using var records = RecordBatch.Read(bytes).ReadRecords(maxDecompressedBytes);
        foreach (var record in records)
            foreach (var header in record.Headers) _ = header.Value.Length;
    }

    // A valid record: length 6, attributes 0, timestamp delta 0, offset delta 0, null key, null value, no headers.
    private static readonly byte[] MinimalRecord = [0x0C, 0, 0, 0, 0x01, 0x01, 0];

    [Fact]
    public void The_minimal_record_is_valid()
    {
        var batch = RawBatch([.. MinimalRecord, .. MinimalRecord], 2);
        RecordBatch.Read(batch).Validate();
        Iterate(batch);
    }

    [Fact]
    public void A_truncated_header_is_reported()
    {
        var batch = TestRecord.Batch(CompressionCodec.None, TestRecord.Of(1, "k", "v"));
        Assert.Throws<TruncatedDataException>(() => RecordBatchValidator.Validate(batch.AsSpan(0, 40)));
    }

    [Fact]
    public void A_bad_crc_reports_expected_and_actual()
    {
        var batch = TestRecord.Batch(CompressionCodec.None, TestRecord.Of(1, "k", "value"));
        var stored = RecordBatch.Read(batch).Header.Crc;
        batch[^1] ^= 0x40;

        var exception = Assert.Throws<CorruptRecordException>(() => RecordBatch.Read(batch).Validate());
        Assert.Equal(stored, exception.ExpectedCrc);
        Assert.Equal(RecordBatch.Read(batch).Header.ComputeCrc(), exception.ActualCrc);
        Assert.NotEqual(exception.ExpectedCrc, exception.ActualCrc);
        Assert.Equal(ErrorCode.CorruptMessage, exception.ErrorCode);
    }

    [Fact]
    public void A_changed_attribute_breaks_the_crc()
    {
        var batch = TestRecord.Batch(CompressionCodec.None, TestRecord.Of(1, "k", "value"));
        batch[RecordBatchLayout.AttributesOffset + 1] |= 0x10;
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Read(batch).Validate());
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Undefined_codecs_are_unsupported(short codec)
    {
        var batch = RawBatch(MinimalRecord, 1, attributes: codec);
        var exception = Assert.Throws<UnsupportedCompressionException>(() => RecordBatch.Read(batch).Validate());
        Assert.Equal(codec, exception.CodecId);
        Assert.Equal(ErrorCode.UnsupportedCompressionType, exception.ErrorCode);
        Assert.Throws<UnsupportedCompressionException>(() => Iterate(batch));
    }

    [Fact]
    public void A_buffer_longer_than_the_batch_length_is_refused_by_validation()
    {
        var batch = RawBatch(MinimalRecord, 1);
        Assert.Throws<InvalidLengthException>(() => RecordBatchValidator.Validate([.. batch, 0]));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_negative_record_count_is_corrupt(int count)
    {
        var batch = RawBatch(MinimalRecord, count, lastOffsetDelta: 0);
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Read(batch).Validate());
        Assert.Throws<CorruptRecordException>(() => Iterate(batch));
    }

    [Fact]
    public void A_record_count_the_bytes_cannot_hold_is_corrupt_before_iterating()
    {
        var batch = RawBatch(MinimalRecord, int.MaxValue);
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Read(batch).Validate());
        Assert.Throws<CorruptRecordException>(() => Iterate(batch));
    }

    [Fact]
    public void A_compressed_record_count_larger_than_the_decompression_limit_allows_is_corrupt()
    {
        var batch = TestRecord.Batch(CompressionCodec.Gzip, TestRecord.Of(1, "k", "v"));
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchLayout.RecordCountOffset), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchLayout.LastOffsetDeltaOffset), int.MaxValue);
        RecordBatchRewriter.UpdateCrc(batch);
        RecordBatch.Read(batch).Validate();
        Assert.Throws<CorruptRecordException>(() => Iterate(batch));
    }

    [Fact]
    public void Fewer_records_than_declared_is_corrupt()
    {
        var batch = RawBatch([.. MinimalRecord, .. MinimalRecord], 2);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchLayout.RecordCountOffset), 3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchLayout.LastOffsetDeltaOffset), 2);
        Assert.Throws<CorruptRecordException>(() => Iterate(batch));
    }

    [Fact]
    public void More_records_than_declared_is_corrupt()
    {
        var batch = RawBatch([.. MinimalRecord, .. MinimalRecord], 1);
        Assert.Throws<CorruptRecordException>(() => Iterate(batch));
    }

    [Fact]
    public void A_last_offset_delta_below_the_record_count_is_corrupt()
    {
        var batch = RawBatch([.. MinimalRecord, .. MinimalRecord], 2, lastOffsetDelta: 0);
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Read(batch).Validate());
    }

    public static TheoryData<byte[], Type> BadRecords => new()
    {
        // Record length varint longer than 5 bytes.
        { [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0, 0, 0, 0], typeof(VarIntOverflowException) },
        // Negative record length (-5).
        { [0x09, 0, 0, 0, 0x01, 0x01, 0], typeof(InvalidLengthException) },
        // Record length 100 with 6 bytes following.
        { [0xC8, 0x01, 0, 0, 0, 0x01, 0x01, 0], typeof(TruncatedDataException) },
        // Key length -2.
        { [0x0C, 0, 0, 0, 0x03, 0x01, 0], typeof(InvalidLengthException) },
        // Key length 50 inside a 6-byte record.
        { [0x0C, 0, 0, 0, 0x64, 0x01, 0], typeof(TruncatedDataException) },
        // Timestamp delta varlong longer than 10 bytes.
        { [0x1A, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01], typeof(VarIntOverflowException) },
        // Negative header count.
        { [0x0C, 0, 0, 0, 0x01, 0x01, 0x01], typeof(InvalidLengthException) },
        // A million headers in a record of a few bytes.
        { [0x10, 0, 0, 0, 0x01, 0x01, 0x80, 0x89, 0x7A], typeof(InvalidLengthException) },
        // A header with a null key.
        { [0x10, 0, 0, 0, 0x01, 0x01, 0x02, 0x01, 0x01], typeof(InvalidLengthException) },
        // Two bytes left over after the last field.
        { [0x10, 0, 0, 0, 0x01, 0x01, 0, 0xAA, 0xBB], typeof(CorruptRecordException) },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Bad_records_give_clear_exceptions(byte[] records, Type expected)
    {
        var batch = RawBatch(records, 1);
        var exception = Assert.ThrowsAny<KafkaProtocolException>(() => Iterate(batch));
        Assert.IsType(expected, exception);
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public void Decompressing_a_batch_is_bounded(CompressionCodec codec)
    {
        var records = Enumerable.Range(0, 200).Select(i => new TestRecord(i, null, new byte[10_000], [])).ToArray();
        var batch = TestRecord.Batch(codec, records);
        Assert.True(batch.Length < 200_000);
        var exception = Assert.Throws<DecompressionLimitExceededException>(() => Iterate(batch, maxDecompressedBytes: 1_000_000));
        Assert.Equal(1_000_000, exception.Limit);
        Iterate(batch, maxDecompressedBytes: 3_000_000);
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public void Garbage_in_a_compressed_batch_is_invalid_data(CompressionCodec codec)
    {
        var garbage = Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray();
        var batch = RawBatch(garbage, 1, attributes: (short)codec);
        Assert.Throws<InvalidCompressedDataException>(() => Iterate(batch));
    }

    [Fact]
    public void Random_damage_never_escapes_as_anything_but_a_protocol_exception()
    {
        var samples = Enum.GetValues<CompressionCodec>().Select(codec => TestRecord.Batch(codec,
            TestRecord.Of(10, "key", "value value value", ("h", "x"), ("n", null)),
            TestRecord.Of(12, null, "another value value", ("h", "y")),
            TestRecord.Of(11, "k", null))).ToArray();

        Gen.Select(Gen.Int[0, samples.Length - 1], Gen.Select(Gen.Int[0, 10_000], Gen.Byte).Array[1, 4], Gen.Int[0, 100])
            .Sample((sample, damage, cutPercent) =>
            {
                var bytes = samples[sample].ToArray();
                foreach (var (position, value) in damage)
                {
                    var index = RecordBatchLayout.AttributesOffset + position % (bytes.Length - RecordBatchLayout.AttributesOffset);
                    bytes[index] = value;
                }
                if (cutPercent < 20) bytes = bytes[..(RecordBatchLayout.HeaderSize + (bytes.Length - RecordBatchLayout.HeaderSize) * cutPercent / 20)];
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.BatchLengthOffset), bytes.Length - RecordBatchLayout.LogOverhead);
                RecordBatchRewriter.UpdateCrc(bytes);
                try
                {
                    RecordBatch.Read(bytes).Validate();
                    Iterate(bytes, maxDecompressedBytes: 1 << 20);
                }
                catch (KafkaProtocolException)
                {
                    // Expected for most damage; anything else fails the test.
                }
            }, iter: 3_000);
    }
}
