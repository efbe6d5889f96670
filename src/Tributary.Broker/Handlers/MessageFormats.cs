using System.Buffers.Binary;
using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Compression;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Handlers;

/// <summary>
/// The version boundary between clients of message formats 0 and 1 and the log, which stores format 2 only (as Kafka
/// 3.x does from inter-broker protocol 3.0). Produce v0-2 may carry message sets, which are converted up before the
/// append; Fetch v0-3 can only read message sets, so stored batches are converted down for them (v0-1 to magic 0,
/// v2-3 to magic 1). The conversions themselves are <see cref="LegacyMessageSetConverter"/> and <see cref="RecordBatchDownConverter"/>.
/// </summary>
internal static class MessageFormats
{
    /// <summary>Produce v3 and later carry record batches only.</summary>
    private const short FirstRecordBatchProduceVersion = 3;

    /// <summary>Produce v7 added zstd (KIP-110); older produces of a zstd batch get UNSUPPORTED_COMPRESSION_TYPE.</summary>
    private const short FirstZstdProduceVersion = 7;

    /// <summary>Fetch v4 and later read record batches.</summary>
    private const short FirstRecordBatchFetchVersion = 4;

    /// <summary>Fetch v10 added zstd; older fetches of a zstd topic get UNSUPPORTED_COMPRESSION_TYPE.</summary>
    private const short FirstZstdFetchVersion = 10;

    /// <summary>
    /// Kafka's ProduceRequest.validateRecords, which KafkaApis runs on each partition's records once the topic is
    /// known, before the leader is looked up: from v3 the records are exactly one complete record batch (none, a
    /// second one, or a message set is INVALID_RECORD; a length or magic no batch can have is CORRUPT_MESSAGE), and
    /// before v7 it may not be zstd (UNSUPPORTED_COMPRESSION_TYPE, which is how Kafka 2.1+ answers Sarama before
    /// 1.23 and other clients that compress with zstd in an older produce). Older versions are not checked here, as
    /// Kafka does not check them (for clients that send a newer format in an older version).
    /// </summary>
    public static ErrorCode ValidateProduce(short version, ReadOnlySpan<byte> records)
    {
        if (version < FirstRecordBatchProduceVersion) return ErrorCode.None;
        var error = NextBatchSize(records, out var size);
        if (error != ErrorCode.None) return error;
        if (size == 0 || records[RecordBatchLayout.MagicOffset] != RecordBatchLayout.CurrentMagic) return ErrorCode.InvalidRecord;
        if (size < RecordBatchLayout.HeaderSize) return ErrorCode.CorruptMessage;
        if (version < FirstZstdProduceVersion && new RecordBatchHeader(records).CompressionId == (int)CompressionCodec.Zstd)
            return ErrorCode.UnsupportedCompressionType;
        error = NextBatchSize(records[size..], out var second);
        return error != ErrorCode.None ? error : second > 0 ? ErrorCode.InvalidRecord : ErrorCode.None;
    }

    /// <summary>
    /// The size of the complete batch (or legacy entry) <paramref name="records"/> starts with, 0 when there is none
    /// (fewer bytes than it needs), as Kafka's ByteBufferLogInputStream reads them: CORRUPT_MESSAGE for a length
    /// shorter than any entry or a magic other than 0, 1 or 2.
    /// </summary>
    private static ErrorCode NextBatchSize(ReadOnlySpan<byte> records, out int size)
    {
        size = 0;
        if (records.Length < RecordBatchLayout.LogOverhead) return ErrorCode.None;
        var length = BinaryPrimitives.ReadInt32BigEndian(records[RecordBatchLayout.BatchLengthOffset..]);
        if (length < LegacyMessageLayout.MinimumMessageSizeV0) return ErrorCode.CorruptMessage;
        if (records.Length <= RecordBatchLayout.MagicOffset) return ErrorCode.None;
        if (records[RecordBatchLayout.MagicOffset] > RecordBatchLayout.CurrentMagic) return ErrorCode.CorruptMessage;
        if (records.Length - RecordBatchLayout.LogOverhead < length) return ErrorCode.None;
        size = length + RecordBatchLayout.LogOverhead;
        return ErrorCode.None;
    }

    /// <summary>
    /// Returns the records a produce appends: as sent when they are record batches,
    /// else (a message set, allowed before v3) converted to one batch in <paramref name="converted"/>, which the caller
    /// disposes. Call after <see cref="ValidateProduce"/> accepted them.
    /// </summary>
    public static ErrorCode ForAppend(ReadOnlyMemory<byte> records, TopicConfig config, out PooledBufferWriter? converted)
    {
        converted = null;
        if (!LegacyMessageSetConverter.IsLegacy(records.Span)) return ErrorCode.None;
        var output = new PooledBufferWriter(records.Length + RecordBatchLayout.HeaderSize);
        try
        {
            LegacyMessageSetConverter.ToRecordBatch(records, output, new LegacyConversionOptions
            {
                MaxMessageBytes = config.MaxMessageBytes,
                TopicUsesLogAppendTime = config.UseLogAppendTime,
            });
        }
        catch (KafkaProtocolException e)
        {
            output.Dispose();
            return ErrorOf(e);
        }
        converted = output;
        return ErrorCode.None;
    }

    /// <summary>
    /// Returns what a fetch of <paramref name="version"/> may be given from <paramref name="stored"/>: the stored batches
    /// from v4, a message set converted down before that. Errors as Kafka 3.x answers them: UNSUPPORTED_COMPRESSION_TYPE
    /// before v10 for a zstd topic (and before v4 for any zstd batch), UNSUPPORTED_VERSION before v4 when the topic
    /// disables down-conversion.
    /// </summary>
    /// <param name="version">The fetch version.</param>
    /// <param name="config">The topic's config.</param>
    /// <param name="stored">Whole stored batches read from the log.</param>
    /// <param name="fetchOffset">The offset the fetch asked for.</param>
    /// <param name="records">The records to send.</param>
    public static ErrorCode ForFetch(short version, TopicConfig config, ReadOnlyMemory<byte> stored, long fetchOffset, out ReadOnlyMemory<byte> records)
    {
        records = ReadOnlyMemory<byte>.Empty;
        if (version < FirstZstdFetchVersion && config.CompressionType == "zstd") return ErrorCode.UnsupportedCompressionType;
        if (version >= FirstRecordBatchFetchVersion)
        {
            records = stored;
            return ErrorCode.None;
        }
        if (!config.DownConversionEnabled) return ErrorCode.UnsupportedVersion;
        if (stored.IsEmpty) return ErrorCode.None;
        using var output = new PooledBufferWriter(stored.Length + stored.Length / 4);
        try
        {
            // Kafka's size for converted records: what was read, or more if the first converted entry needs it.
            RecordBatchDownConverter.Convert(stored, RecordBatchDownConverter.MagicForFetchVersion(version), fetchOffset, stored.Length, output);
        }
        catch (UnsupportedCompressionException)
        {
            return ErrorCode.UnsupportedCompressionType;
        }
        records = output.ToArray();
        return ErrorCode.None;
    }

    private static ErrorCode ErrorOf(KafkaProtocolException e) => e switch
    {
        RecordTooLargeException tooLarge => tooLarge.ErrorCode,
        InvalidRecordException invalid => invalid.ErrorCode,
        UnsupportedCompressionException unsupported => unsupported.ErrorCode,
        UnsupportedMessageFormatException format => format.ErrorCode,
        DecompressionLimitExceededException limit => limit.ErrorCode,
        _ => ErrorCode.CorruptMessage,
    };
}
