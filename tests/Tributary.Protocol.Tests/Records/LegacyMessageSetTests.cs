using System.Buffers.Binary;
using CsCheck;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

/// <summary>Message formats 0 and 1: known bytes from kafka-python, writer and reader round trips, and bad input.</summary>
public class LegacyMessageSetTests
{
    // Written by kafka-python 2.0.2's LegacyRecordBatchBuilder: records (k1, v1), (null, value-2), (k3, null) at offsets
    // 0-2, timestamps 1700000000000, ...005, ...003 in magic 1.
    private const string KafkaPythonV0 = "00000000000000000000001257e7496e0000000000026b3100000002763100000000000000010000001501d4f5140000ffffffff0000000776616c75652d32000000000000000200000010b643ca6a0000000000026b33ffffffff";
    private const string KafkaPythonV0Gzip = "000000000000000000000059997a287c0001ffffffff0000004b1f8b0800bb28146b02ff63608003a1f0e79e79601653b621882c3384ca3002b128e395af220c0cff8100c8632f4bcc294dd535822a600262816dcea7b2a0da8d41ca005b35f3945b000000";
    private const string KafkaPythonV1 = "00000000000000000000001aa5da6a6201000000018bcfe56800000000026b3100000002763100000000000000010000001d9456eae401000000018bcfe56805ffffffff0000000776616c75652d32000000000000000200000018096bf75201000000018bcfe56803000000026b33ffffffff";
    private const string KafkaPythonV1Gzip = "00000000000000000000006df6e8b6c001010000000000000000ffffffff000000571f8b0800bb28146b02ff63608003a9a5b7b29218810cc6eef34f3340224cd98620b2cc10aa0224293b25ecd513b82ad6ff4000e4b09725e694a6ea1a41153201b10467f6f720b84266b071c620e500341a55ee73000000";

    private static readonly long[] KafkaPythonTimestamps = [1700000000000, 1700000000005, 1700000000003];

    private static TestRecord[] KafkaPythonRecords(sbyte magic) =>
    [
        TestRecord.Of(magic == 0 ? -1 : KafkaPythonTimestamps[0], "k1", "v1"),
        TestRecord.Of(magic == 0 ? -1 : KafkaPythonTimestamps[1], null, "value-2"),
        TestRecord.Of(magic == 0 ? -1 : KafkaPythonTimestamps[2], "k3", null),
    ];

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private static byte[] UpConvert(byte[] set, LegacyConversionOptions? options = null)
    {
        using var output = new PooledBufferWriter();
        LegacyMessageSetConverter.ToRecordBatch(set, output, options ?? new LegacyConversionOptions());
        return output.ToArray();
    }

    private static byte[] Build(sbyte magic, CompressionCodec codec, IEnumerable<(long Offset, TestRecord Record)> records, long? logAppendTime = null)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new LegacyMessageSetBuilder(output, magic, codec, logAppendTime))
        {
            foreach (var (offset, r) in records)
                builder.Append(offset, r.Timestamp, r.Key, r.Key is null, r.Value, r.Value is null);
            builder.Complete();
        }
        return output.ToArray();
    }

    /// <summary>Every record of a message set, wrappers opened, with absolute offsets.</summary>
    private static List<(long Offset, TestRecord Record)> ReadAll(byte[] set, bool allowPartialTail = false)
    {
        var result = new List<(long, TestRecord)>();
        foreach (var entry in LegacyMessageSet.ReadEntries(set, allowPartialTail))
        {
            entry.Validate();
            if (entry.Compression == CompressionCodec.None)
            {
                result.Add((entry.Offset, Plain(entry.Timestamp, entry)));
                continue;
            }
            using var inner = LegacyMessageSet.OpenWrapper(entry);
            result.AddRange(inner.Records.Select(r => (r.Offset, Plain(r.Timestamp, r.Message))));
        }
        return result;
    }

    private static TestRecord Plain(long timestamp, LegacyMessage m) =>
        new(timestamp, m.IsKeyNull ? null : m.Key.ToArray(), m.IsValueNull ? null : m.Value.ToArray(), []);

    [Theory]
    [InlineData(KafkaPythonV0, 0)]
    [InlineData(KafkaPythonV0Gzip, 0)]
    [InlineData(KafkaPythonV1, 1)]
    [InlineData(KafkaPythonV1Gzip, 1)]
    public void Message_sets_written_by_kafka_python_convert_to_one_batch_with_the_same_records(string hex, int magic)
    {
        var batch = UpConvert(Hex(hex));

        RecordBatch.Read(batch).Validate();
        Assert.Equal(KafkaPythonRecords((sbyte)magic), TestRecord.ReadAll(batch));
        var header = RecordBatch.Read(batch).Header;
        Assert.Equal(hex.Contains("1f8b08") ? CompressionCodec.Gzip : CompressionCodec.None, header.Compression);
        Assert.Equal(-1, header.ProducerId);
    }

    [Theory]
    [InlineData(KafkaPythonV0, 0)]
    [InlineData(KafkaPythonV1, 1)]
    public void Uncompressed_message_sets_are_written_byte_for_byte_as_kafka_python_writes_them(string hex, int magic)
    {
        var records = KafkaPythonRecords((sbyte)magic).Select((r, i) => ((long)i, r));

        Assert.Equal(hex, Convert.ToHexString(Build((sbyte)magic, CompressionCodec.None, records)).ToLowerInvariant());
    }

    [Theory]
    [InlineData(CompressionCodec.None)]
    [InlineData(CompressionCodec.Gzip)]
    public void Complete_returns_the_size_of_the_message_set_after_what_the_output_held(CompressionCodec codec)
    {
        using var output = new PooledBufferWriter();
        new KafkaWriter(output).WriteInt64(42);
        using var builder = new LegacyMessageSetBuilder(output, 1, codec);
        builder.Append(0, 1, "k"u8, false, "v"u8, false);
        builder.Append(1, 2, "k"u8, false, "v"u8, false);

        var size = builder.Complete();

        Assert.Equal(output.WrittenCount - sizeof(long), size);
        Assert.Equal(codec == CompressionCodec.None ? 2 : 1, LegacyMessageSet.ReadEntries(output.WrittenMemory[sizeof(long)..]).Count);
    }

    [Fact]
    public void A_magic_one_wrapper_takes_the_last_offset_and_numbers_its_inner_messages_from_zero()
    {
        var set = Build(1, CompressionCodec.Gzip, [(40, TestRecord.Of(5, "a", "1")), (41, TestRecord.Of(9, "b", "2")), (42, TestRecord.Of(7, "c", "3"))]);

        var wrapper = Assert.Single(LegacyMessageSet.ReadEntries(set));
        Assert.Equal(42, wrapper.Offset);
        Assert.Equal(9, wrapper.Timestamp);
        Assert.True(wrapper.IsKeyNull);
        using var inner = LegacyMessageSet.OpenWrapper(wrapper);
        Assert.Equal([0L, 1, 2], inner.Records.Select(r => r.Message.Offset));
        Assert.Equal([40L, 41, 42], inner.Records.Select(r => r.Offset));
    }

    [Fact]
    public void A_magic_zero_wrapper_keeps_absolute_inner_offsets()
    {
        var set = Build(0, CompressionCodec.Snappy, [(40, TestRecord.Of(5, "a", "1")), (41, TestRecord.Of(9, "b", "2"))]);

        var wrapper = Assert.Single(LegacyMessageSet.ReadEntries(set));
        Assert.Equal(41, wrapper.Offset);
        using var inner = LegacyMessageSet.OpenWrapper(wrapper);
        Assert.Equal([40L, 41], inner.Records.Select(r => r.Message.Offset));
        Assert.All(inner.Records, r => Assert.Equal(-1, r.Timestamp));
    }

    [Fact]
    public void Log_append_time_is_given_to_every_message_and_flagged_in_the_attributes()
    {
        var set = Build(1, CompressionCodec.Lz4, [(0, TestRecord.Of(5, "a", "1")), (1, TestRecord.Of(9, "b", "2"))], logAppendTime: 1234);

        var wrapper = Assert.Single(LegacyMessageSet.ReadEntries(set));
        Assert.Equal(TimestampType.LogAppendTime, wrapper.TimestampType);
        Assert.Equal(1234, wrapper.Timestamp);
        using var inner = LegacyMessageSet.OpenWrapper(wrapper);
        Assert.All(inner.Records, r => Assert.Equal(1234, r.Message.Timestamp));
        Assert.All(inner.Records, r => Assert.Equal(TimestampType.LogAppendTime, r.Message.TimestampType));
    }

    // LZ4 frames of 64 KiB independent blocks start 04 22 4D 18, FLG 60, BD 40, then the header checksum: 82 by the
    // frame spec (xxHash32 of FLG and BD), 1A as Kafka 0.8-0.9 computed it (over the frame magic too).
    [Theory]
    [InlineData(0, 0x1A)]
    [InlineData(1, 0x82)]
    public void Lz4_wrappers_carry_the_header_checksum_of_their_message_format(int magic, int checksum)
    {
        var set = Build((sbyte)magic, CompressionCodec.Lz4, [(0, TestRecord.Of(5, "a", "1"))]);

        var value = LegacyMessageSet.ReadEntries(set)[0].Value.Span;
        Assert.Equal(Hex("04224D186040"), value[..6].ToArray());
        Assert.Equal(checksum, value[6]);
    }

    [Fact]
    public void A_magic_zero_lz4_wrapper_is_read_whichever_header_checksum_it_carries()
    {
        var set = Build(0, CompressionCodec.Lz4, [(0, TestRecord.Of(-1, "a", "1"))]);
        var fixedChecksum = WithLz4HeaderChecksum(set, 0x82, magic: 0);

        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(Assert.Single(ReadAll(set)).Record.Value!));
        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(Assert.Single(ReadAll(fixedChecksum)).Record.Value!));
    }

    [Fact]
    public void A_magic_one_lz4_wrapper_with_the_old_header_checksum_is_refused_as_kafka_does()
    {
        var set = WithLz4HeaderChecksum(Build(1, CompressionCodec.Lz4, [(0, TestRecord.Of(5, "a", "1"))]), 0x1A, magic: 1);

        Assert.Throws<InvalidCompressedDataException>(() => UpConvert(set));
    }

    /// <summary>Sets the header checksum byte of a single-wrapper set's LZ4 frame and re-seals the wrapper's CRC.</summary>
    private static byte[] WithLz4HeaderChecksum(byte[] set, byte checksum, sbyte magic)
    {
        var copy = (byte[])set.Clone();
        var valueStart = LegacyMessageLayout.KeyLengthOffset(magic) + 2 * sizeof(int); // null key: no key bytes
        copy[valueStart + 6] = checksum;
        Reseal(copy);
        return copy;
    }

    /// <summary>Recomputes the CRC of the first entry (over as many bytes as its size claims and the array holds).</summary>
    private static void Reseal(byte[] entry)
    {
        var covered = Math.Clamp(BinaryPrimitives.ReadInt32BigEndian(entry.AsSpan(LegacyMessageLayout.SizeOffset)) - sizeof(uint), 0, entry.Length - LegacyMessageLayout.MagicOffset);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(LegacyMessageLayout.CrcOffset),
            System.IO.Hashing.Crc32.HashToUInt32(entry.AsSpan(LegacyMessageLayout.MagicOffset, covered)));
    }

    private static readonly Gen<byte[]?> NullableBytes =
        Gen.Select(Gen.Int[0, 4], Gen.Byte.Array[0, 120], (pick, bytes) => pick == 0 ? null : bytes);

    private static readonly Gen<TestRecord> AnyRecord =
        Gen.Select(Gen.Long[0, long.MaxValue / 4], NullableBytes, NullableBytes, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 8], NullableBytes).Array[0, 3],
            (timestamp, key, value, headers) => new TestRecord(timestamp, key, value, headers));

    private static readonly Gen<CompressionCodec> LegacyCodec = Gen.Int[0, 3].Select(i => (CompressionCodec)i);

    [Fact]
    public void Random_message_sets_read_back_as_written_in_both_formats_and_every_codec()
    {
        Gen.Select(AnyRecord.Array[1, 30], Gen.Int[0, 1], LegacyCodec, Gen.Long[0, 1_000_000]).Sample((records, magic, codec, firstOffset) =>
        {
            var numbered = records.Select((r, i) => (Offset: firstOffset + i, Record: r with { Headers = [] })).ToList();
            var read = ReadAll(Build((sbyte)magic, codec, numbered));

            Assert.Equal(numbered.Select(n => n.Offset), read.Select(r => r.Offset));
            Assert.Equal(numbered.Select(n => magic == 0 ? n.Record with { Timestamp = -1 } : n.Record), read.Select(r => r.Record));
        }, iter: 200);
    }

    [Fact]
    public void Random_batches_survive_down_conversion_and_back_up_without_their_headers()
    {
        Gen.Select(AnyRecord.Array[1, 30], Gen.Int[0, 1], LegacyCodec, Gen.Long[0, 1_000_000]).Sample((records, magic, codec, baseOffset) =>
        {
            var batch = TestRecord.Batch(records, new RecordBatchOptions { Compression = codec, BaseOffset = baseOffset });
            using var output = new PooledBufferWriter();
            var result = RecordBatchDownConverter.Convert(batch, (sbyte)magic, baseOffset, int.MaxValue, output);
            var set = output.ToArray();

            var expected = records.Select(r => r with { Headers = [], Timestamp = magic == 0 ? -1 : r.Timestamp }).ToList();
            Assert.Equal(records.Length, result.RecordsConverted);
            Assert.Equal(set.Length, result.BytesWritten);
            var read = ReadAll(set);
            Assert.Equal(Enumerable.Range(0, records.Length).Select(i => baseOffset + i), read.Select(r => r.Offset));
            Assert.Equal(expected, read.Select(r => r.Record));
            Assert.Equal(expected, TestRecord.ReadAll(UpConvert(set)));
        }, iter: 200);
    }

    [Fact]
    public void Down_conversion_leaves_out_control_batches_and_records_before_the_fetch_offset_of_uncompressed_batches()
    {
        var plain = TestRecord.Batch([TestRecord.Of(1, "a", "1"), TestRecord.Of(2, "b", "2"), TestRecord.Of(3, "c", "3")], new RecordBatchOptions { BaseOffset = 10 });
        var marker = ControlMarkerAt(13);
        var compressed = TestRecord.Batch([TestRecord.Of(4, "d", "4"), TestRecord.Of(5, "e", "5")], new RecordBatchOptions { BaseOffset = 14, Compression = CompressionCodec.Gzip });
        using var output = new PooledBufferWriter();

        var result = RecordBatchDownConverter.Convert(plain.Concat(marker).Concat(compressed).ToArray(), 1, fetchOffset: 11, int.MaxValue, output);

        Assert.Equal([11L, 12, 14, 15], ReadAll(output.ToArray()).Select(r => r.Offset));
        Assert.Equal(4, result.RecordsConverted);
    }

    [Fact]
    public void A_compressed_batch_is_converted_whole_even_when_the_fetch_starts_inside_it()
    {
        var compressed = TestRecord.Batch([TestRecord.Of(4, "d", "4"), TestRecord.Of(5, "e", "5")], new RecordBatchOptions { BaseOffset = 14, Compression = CompressionCodec.Snappy });
        using var output = new PooledBufferWriter();

        RecordBatchDownConverter.Convert(compressed, 0, fetchOffset: 15, int.MaxValue, output);

        Assert.Equal([14L, 15], ReadAll(output.ToArray()).Select(r => r.Offset));
    }

    [Fact]
    public void Down_conversion_writes_the_first_batch_whole_then_stops_at_whole_messages_within_the_limit()
    {
        var value = new string('v', 100);
        var first = TestRecord.Batch(Enumerable.Range(0, 3).Select(i => TestRecord.Of(i, "key", value)), new RecordBatchOptions { BaseOffset = 0 });
        var second = TestRecord.Batch(Enumerable.Range(0, 10).Select(i => TestRecord.Of(i, "key", value)), new RecordBatchOptions { BaseOffset = 3 });
        byte[] batches = [.. first, .. second];
        var messageSize = LegacyMessageLayout.EntrySize(1, 3, 100);
        using var limited = new PooledBufferWriter();
        using var tiny = new PooledBufferWriter();

        var cut = RecordBatchDownConverter.Convert(batches, 1, 0, sizeLimit: 5 * messageSize + messageSize / 2, limited);
        var firstOnly = RecordBatchDownConverter.Convert(batches, 1, 0, sizeLimit: 10, tiny);

        Assert.Equal(5, cut.RecordsConverted);
        Assert.Equal(5 * messageSize, cut.BytesWritten);
        Assert.Equal([0L, 1, 2, 3, 4], ReadAll(limited.ToArray()).Select(r => r.Offset));
        Assert.Equal(3, firstOnly.RecordsConverted);
    }

    [Fact]
    public void Log_append_time_batches_convert_to_messages_flagged_with_the_append_time()
    {
        var batch = TestRecord.Batch([TestRecord.Of(1, "a", "1"), TestRecord.Of(2, "b", "2")]);
        RecordBatchRewriter.SetLogAppendTime(batch, 777);
        using var output = new PooledBufferWriter();

        RecordBatchDownConverter.Convert(batch, 1, 0, int.MaxValue, output);

        var entries = LegacyMessageSet.ReadEntries(output.ToArray());
        Assert.All(entries, e => Assert.Equal(TimestampType.LogAppendTime, e.TimestampType));
        Assert.All(entries, e => Assert.Equal(777, e.Timestamp));
    }

    [Fact]
    public void Zstd_batches_cannot_be_down_converted()
    {
        var batch = TestRecord.Batch(CompressionCodec.Zstd, TestRecord.Of(1, "a", "1"));

        var error = Assert.Throws<UnsupportedCompressionException>(() => RecordBatchDownConverter.Convert(batch, 1, 0, int.MaxValue, new PooledBufferWriter()));
        Assert.Equal(ErrorCode.UnsupportedCompressionType, error.ErrorCode);
    }

    [Fact]
    public void A_message_whose_crc_does_not_match_is_corrupt()
    {
        var set = Hex(KafkaPythonV1);
        set[30] ^= 1;

        Assert.Equal(ErrorCode.CorruptMessage, Assert.Throws<CorruptRecordException>(() => UpConvert(set)).ErrorCode);
    }

    [Fact]
    public void A_set_that_ends_inside_a_message_is_corrupt_in_a_produce_but_ignored_at_the_end_of_a_fetch()
    {
        var set = Hex(KafkaPythonV1)[..^5];

        Assert.Throws<CorruptRecordException>(() => UpConvert(set));
        Assert.Equal(2, ReadAll(set, allowPartialTail: true).Count);
    }

    [Fact]
    public void Key_and_value_lengths_that_disagree_with_the_message_size_are_corrupt()
    {
        var set = Hex(KafkaPythonV0)[..35];
        BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(LegacyMessageLayout.SizeOffset), 35 - LegacyMessageLayout.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(set.AsSpan(18), 1000);

        Assert.Throws<CorruptRecordException>(() => UpConvert(set));
    }

    [Fact]
    public void A_message_larger_than_max_message_bytes_is_too_large()
    {
        var set = Hex(KafkaPythonV1);

        var error = Assert.Throws<RecordTooLargeException>(() => UpConvert(set, new LegacyConversionOptions { MaxMessageBytes = 30 }));
        Assert.Equal(ErrorCode.MessageTooLarge, error.ErrorCode);
    }

    [Fact]
    public void A_compressed_inner_message_is_an_invalid_record()
    {
        var inner = Build(1, CompressionCodec.Gzip, [(0, TestRecord.Of(1, "a", "1"))]);
        var set = WrapperAround(inner, magic: 1);

        Assert.Equal(ErrorCode.InvalidRecord, Assert.Throws<InvalidRecordException>(() => UpConvert(set)).ErrorCode);
    }

    [Fact]
    public void Inner_messages_of_the_other_magic_are_taken_as_Kafka_takes_them_each_with_its_own_timestamp()
    {
        // kafka-node speaking Produce v0 wraps magic-1 messages in a magic-0 wrapper; Kafka's broker accepts that.
        var newerInside = WrapperAround(Build(1, CompressionCodec.None, [(0, TestRecord.Of(1_700_000_000_000, "a", "1")), (0, TestRecord.Of(1_700_000_000_001, "b", "2"))]), magic: 0);
        var olderInside = WrapperAround(Build(0, CompressionCodec.None, [(0, TestRecord.Of(-1, "c", "3"))]), magic: 1);

        Assert.Equal([TestRecord.Of(1_700_000_000_000, "a", "1"), TestRecord.Of(1_700_000_000_001, "b", "2")], TestRecord.ReadAll(UpConvert(newerInside)));
        Assert.Equal([TestRecord.Of(-1, "c", "3")], TestRecord.ReadAll(UpConvert(olderInside)));
    }

    [Fact]
    public void A_wrapper_without_inner_messages_is_an_invalid_record()
    {
        Assert.Equal(ErrorCode.InvalidRecord, Assert.Throws<InvalidRecordException>(() => UpConvert(WrapperAround([], magic: 0))).ErrorCode);
    }

    [Fact]
    public void A_producer_may_not_claim_log_append_time()
    {
        var set = Build(1, CompressionCodec.None, [(0, TestRecord.Of(1, "a", "1"))], logAppendTime: 5);

        var error = Assert.Throws<InvalidRecordException>(() => UpConvert(set, new LegacyConversionOptions { TopicUsesLogAppendTime = true }));
        Assert.Equal(ErrorCode.InvalidTimestamp, error.ErrorCode);
    }

    [Fact]
    public void Zstd_is_not_a_codec_of_the_old_formats_and_is_an_invalid_record_as_kafka_answers()
    {
        var set = Hex(KafkaPythonV1);
        set[LegacyMessageLayout.AttributesOffset] = (byte)CompressionCodec.Zstd;
        Reseal(set);

        var error = Assert.Throws<InvalidRecordException>(() => UpConvert(set[..set.Length]));
        Assert.Equal(ErrorCode.InvalidRecord, error.ErrorCode);
    }

    [Fact]
    public void Random_bytes_in_a_message_set_fail_with_a_protocol_exception_and_nothing_else()
    {
        var valid = Build(1, CompressionCodec.Gzip, [(0, TestRecord.Of(1, "a", "1")), (1, TestRecord.Of(2, "b", "2"))]);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte).Sample((at, value) =>
        {
            var bytes = (byte[])valid.Clone();
            bytes[at] = value;
            Reseal(bytes);
            try
            {
                UpConvert(bytes);
            }
            catch (KafkaProtocolException)
            {
            }
        }, iter: 500);
    }

    private static byte[] WrapperAround(byte[] innerSet, sbyte magic)
    {
        using var compressed = new PooledBufferWriter();
        KafkaCompression.CompressLegacy(CompressionCodec.Gzip, magic, innerSet, compressed);
        using var output = new PooledBufferWriter();
        var size = LegacyMessageLayout.EntrySize(magic, -1, compressed.WrittenCount);
        var entry = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(LegacyMessageLayout.SizeOffset), size - LegacyMessageLayout.LogOverhead);
        entry[LegacyMessageLayout.MagicOffset] = (byte)magic;
        entry[LegacyMessageLayout.AttributesOffset] = (byte)CompressionCodec.Gzip;
        var keyAt = LegacyMessageLayout.KeyLengthOffset(magic);
        BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(keyAt), -1);
        BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(keyAt + 4), compressed.WrittenCount);
        compressed.WrittenSpan.CopyTo(entry.AsSpan(keyAt + 8));
        Reseal(entry);
        return entry;
    }

    private static byte[] ControlMarkerAt(long offset)
    {
        using var output = new PooledBufferWriter();
        ControlBatchWriter.Write(output, new ControlRecord(ControlRecordType.Commit, 0), producerId: 7, producerEpoch: 0, timestamp: 1, baseOffset: offset);
        return output.ToArray();
    }
}
