namespace Tributary.Protocol.Records;

/// <summary>
/// A record batch or a record in it is inconsistent: a CRC mismatch, a record count that the bytes cannot hold,
/// bytes left over after the last record. Kafka answers such input with CORRUPT_MESSAGE.
/// </summary>
public sealed class CorruptRecordException : KafkaProtocolException
{
    /// <summary>Creates the exception with a reason.</summary>
    public CorruptRecordException(string message) : base(message) { }

    private CorruptRecordException(uint expectedCrc, uint actualCrc)
        : base($"Record batch CRC mismatch: the batch says 0x{expectedCrc:X8} but its bytes hash to 0x{actualCrc:X8}.")
    {
        ExpectedCrc = expectedCrc;
        ActualCrc = actualCrc;
    }

    /// <summary>The exception for a batch whose stored CRC differs from the CRC of its bytes.</summary>
    public static CorruptRecordException CrcMismatch(uint expectedCrc, uint actualCrc) => new(expectedCrc, actualCrc);

    /// <summary>The CRC stored in the batch header, when the failure is a CRC mismatch.</summary>
    public uint? ExpectedCrc { get; }

    /// <summary>The CRC computed over the batch bytes, when the failure is a CRC mismatch.</summary>
    public uint? ActualCrc { get; }

    /// <summary>The error a broker answers with.</summary>
    public ErrorCode ErrorCode => ErrorCode.CorruptMessage;
}

/// <summary>The data is in message format (magic) 0 or 1, or an unknown one: only magic 2 record batches are supported.</summary>
public sealed class UnsupportedMessageFormatException : KafkaProtocolException
{
    /// <summary>Creates the exception for the magic byte found.</summary>
    public UnsupportedMessageFormatException(sbyte magic)
        : base($"Unsupported message format: magic {magic}; only record batches of magic {RecordBatchLayout.CurrentMagic} are supported.")
    {
        Magic = magic;
    }

    /// <summary>The magic byte found.</summary>
    public sbyte Magic { get; }

    /// <summary>The error a broker answers with: UNSUPPORTED_FOR_MESSAGE_FORMAT for the legacy formats, CORRUPT_MESSAGE otherwise.</summary>
    public ErrorCode ErrorCode => Magic is 0 or 1 ? ErrorCode.UnsupportedForMessageFormat : ErrorCode.CorruptMessage;
}

/// <summary>
/// Records that are well formed but break a rule of the log: an inner message of a wrapper that is itself compressed
/// or of another format, a wrapper with no inner messages, a producer-set LogAppendTime. Kafka answers INVALID_RECORD,
/// or INVALID_TIMESTAMP for timestamp rules.
/// </summary>
public sealed class InvalidRecordException : KafkaProtocolException
{
    /// <summary>Creates the exception with a reason and the error a broker answers with.</summary>
    public InvalidRecordException(string message, ErrorCode errorCode = ErrorCode.InvalidRecord) : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The error a broker answers with: INVALID_RECORD or INVALID_TIMESTAMP.</summary>
    public ErrorCode ErrorCode { get; }
}

/// <summary>An entry of a produced message set is larger than the topic's max.message.bytes: Kafka answers MESSAGE_TOO_LARGE.</summary>
public sealed class RecordTooLargeException : KafkaProtocolException
{
    /// <summary>Creates the exception for an entry of <paramref name="size"/> bytes over <paramref name="limit"/>.</summary>
    public RecordTooLargeException(long size, int limit)
        : base($"A message of {size} bytes is larger than the {limit} bytes max.message.bytes allows.") { }

    /// <summary>The error a broker answers with.</summary>
    public ErrorCode ErrorCode => ErrorCode.MessageTooLarge;
}
