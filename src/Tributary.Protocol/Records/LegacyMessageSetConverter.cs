using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Records;

/// <summary>What a broker checks a produced magic 0 or 1 message set against.</summary>
public sealed record LegacyConversionOptions
{
    /// <summary>max.message.bytes of the topic: the largest entry (plain message or wrapper) accepted.</summary>
    public int MaxMessageBytes { get; init; } = int.MaxValue;

    /// <summary>True when the topic's message.timestamp.type is LogAppendTime.</summary>
    public bool TopicUsesLogAppendTime { get; init; }

    /// <summary>The most bytes one wrapper may decompress to.</summary>
    public int MaxDecompressedBytes { get; init; } = KafkaCompression.DefaultMaxDecompressedBytes;
}

/// <summary>
/// Turns a produced magic 0 or 1 message set into one magic-2 record batch, after the checks Kafka 3.x's log
/// validator makes on such input: whole entries, each within max.message.bytes, every CRC-32 (wrappers and their
/// inner messages), inner messages plain (of either magic, as Kafka reads them), and no producer-set LogAppendTime.
/// </summary>
/// <remarks>
/// Kafka 3.x stores every message set it accepts in format 2 (message.format.version is ignored from
/// inter.broker.protocol.version 3.0): all records of the request go into one batch, compressed with the codec
/// of the last wrapper (uncompressed when there is none), without producer id, sequence or headers. Offsets
/// given by the client are ignored; the broker assigns them. Magic-0 records get no timestamp (-1).
/// </remarks>
public static class LegacyMessageSetConverter
{
    /// <summary>True when <paramref name="records"/> starts with an entry of magic 0 or 1.</summary>
    public static bool IsLegacy(ReadOnlySpan<byte> records) =>
        records.Length > LegacyMessageLayout.MagicOffset && records[LegacyMessageLayout.MagicOffset] is 0 or 1;

    /// <summary>Validates <paramref name="messageSet"/> and appends it to <paramref name="output"/> as one record batch; returns its size.</summary>
    /// <exception cref="CorruptRecordException">An entry is malformed, truncated or fails its CRC.</exception>
    /// <exception cref="UnsupportedMessageFormatException">An entry is not of magic 0 or 1.</exception>
    /// <exception cref="RecordTooLargeException">An entry is larger than <see cref="LegacyConversionOptions.MaxMessageBytes"/>.</exception>
    /// <exception cref="InvalidRecordException">A wrapper breaks a rule (see the class remarks), is compressed with zstd, or a timestamp type is set by the producer.</exception>
    /// <exception cref="UnsupportedCompressionException">A codec Kafka does not define (5, 6 or 7).</exception>
    /// <exception cref="InvalidCompressedDataException">A wrapper's value does not decompress.</exception>
    public static int ToRecordBatch(ReadOnlyMemory<byte> messageSet, PooledBufferWriter output, LegacyConversionOptions options)
    {
        var entries = LegacyMessageSet.ReadEntries(messageSet);
        if (entries.Count == 0) throw new CorruptRecordException("The message set holds no messages.");
        var codec = CompressionCodec.None;
        foreach (var entry in entries)
        {
            if (entry.Bytes.Length > options.MaxMessageBytes) throw new RecordTooLargeException(entry.Bytes.Length, options.MaxMessageBytes);
            entry.Validate();
            if (entry.Compression != CompressionCodec.None) codec = entry.Compression;
        }

        using var builder = new RecordBatchBuilder(output, new RecordBatchOptions { Compression = codec });
        foreach (var entry in entries)
        {
            if (entry.Compression == CompressionCodec.None)
            {
                Append(builder, entry, entry.Timestamp, options);
                continue;
            }
            using var inner = LegacyMessageSet.OpenWrapper(entry, options.MaxDecompressedBytes);
            foreach (var record in inner.Records) Append(builder, entry, record.Timestamp, options, record.Message);
        }
        return builder.Complete();
    }

    private static void Append(RecordBatchBuilder builder, LegacyMessage entry, long timestamp, LegacyConversionOptions options, LegacyMessage? inner = null)
    {
        // Kafka's rule: a producer may not claim LogAppendTime; it is only tolerated on a CreateTime topic when the
        // record carries its own timestamp (which is then what is checked and kept).
        if (entry.TimestampType == TimestampType.LogAppendTime && (options.TopicUsesLogAppendTime || timestamp == RecordBatchLayout.NoTimestamp))
            throw new InvalidRecordException($"Invalid timestamp type in the message at offset {entry.Offset}: producers should not set the timestamp type to LogAppendTime.", ErrorCode.InvalidTimestamp);
        var message = inner ?? entry;
        // Typed nulls: a bare null would convert to an empty (not null) memory.
        builder.Append(timestamp,
            message.IsKeyNull ? (ReadOnlyMemory<byte>?)null : message.Key,
            message.IsValueNull ? (ReadOnlyMemory<byte>?)null : message.Value);
    }
}
