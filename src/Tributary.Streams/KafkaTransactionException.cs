namespace Tributary.Streams;

/// <summary>A transaction could not be committed; it was aborted and none of its records or offsets are visible.</summary>
public class KafkaTransactionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The client error, if any.</param>
    public KafkaTransactionException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// The flow's producer was fenced: another instance took over its transactional id, or its consumer's group moved
/// on (a rebalance gave its partitions to another member, KIP-447). This instance is a zombie and must not commit;
/// restart it to resume from the last committed offsets.
/// </summary>
public sealed class ProducerFencedException : KafkaTransactionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Who was fenced and why.</param>
    /// <param name="innerException">The client error.</param>
    public ProducerFencedException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// Records of a revoked partition were still in the stream when the drain timeout (the consumer's commit timeout)
/// ran out: the open transaction is aborted rather than committed in part, and the stream fails.
/// </summary>
public sealed class TransactionDrainTimeoutException : KafkaTransactionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which partitions did not drain.</param>
    public TransactionDrainTimeoutException(string message) : base(message) { }
}
