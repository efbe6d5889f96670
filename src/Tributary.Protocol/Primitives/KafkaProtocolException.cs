namespace Tributary.Protocol;

/// <summary>
/// Raised when bytes on the wire do not form a valid Kafka message: a truncated buffer, a negative or
/// oversized length, an over-long varint, an unknown tagged field that cannot be skipped.
/// The message says what was wrong and where, so a broker can log it once and drop the connection.
/// </summary>
public class KafkaProtocolException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public KafkaProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception with a reason and the error that caused it.</summary>
    public KafkaProtocolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The buffer ended before the value being read was complete.</summary>
public sealed class TruncatedDataException : KafkaProtocolException
{
    /// <summary>Creates the exception for a read of <paramref name="needed"/> bytes at <paramref name="position"/>.</summary>
    public TruncatedDataException(string what, int position, long needed, int available)
        : base($"Truncated data: reading {what} at byte {position} needs {needed} bytes but only {available} remain.") { }
}

/// <summary>A length prefix was negative where null is not allowed, or larger than the data that can follow it.</summary>
public sealed class InvalidLengthException : KafkaProtocolException
{
    /// <summary>Creates the exception with a reason.</summary>
    public InvalidLengthException(string message) : base(message) { }
}

/// <summary>A variable-length integer ran past its maximum byte count (5 for 32-bit, 10 for 64-bit).</summary>
public sealed class VarIntOverflowException : KafkaProtocolException
{
    /// <summary>Creates the exception for a varint starting at <paramref name="position"/>.</summary>
    public VarIntOverflowException(int maxBytes, int position)
        : base($"Malformed varint at byte {position}: longer than {maxBytes} bytes.") { }
}
