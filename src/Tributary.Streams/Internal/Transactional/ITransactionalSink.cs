namespace Tributary.Streams.Internal;

/// <summary>What a transactional source asks of the flows that commit its offsets; thread-safe.</summary>
internal interface ITransactionalSink
{
    /// <summary>Commit the open transaction now instead of at the next interval (partitions are being revoked).</summary>
    void CommitSoon();

    /// <summary>Abort the open transaction and fail: its records can no longer be committed in time.</summary>
    /// <param name="reason">Why.</param>
    void Abort(Exception reason);
}
