namespace Tributary.Broker.Log;

/// <summary>
/// The long poll of Fetch: waits until the partitions being fetched hold at least min bytes past their
/// fetch offsets, or until max wait passes, whichever comes first. Appends and high watermark advances wake it at once; there is no polling.
/// </summary>
internal static class FetchWaiter
{
    /// <summary>One partition being fetched: its log, the offset the fetch reads from, and what it may see.</summary>
    public readonly record struct Position(PartitionLog Log, long Offset, IsolationLevel Isolation = IsolationLevel.ReadUncommitted);

    /// <summary>
    /// Completes when the bytes available from <paramref name="positions"/> reach <paramref name="minBytes"/>,
    /// after <paramref name="maxWait"/>, or on cancellation (without throwing: the fetch then answers with what it has).
    /// </summary>
    public static async Task WaitAsync(IReadOnlyList<Position> positions, long minBytes, TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (positions.Count == 0 || minBytes <= 0 || maxWait <= TimeSpan.Zero || Enough(positions, minBytes)) return;

        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAppend()
        {
            if (Enough(positions, minBytes)) woken.TrySetResult();
        }
        foreach (var position in positions) position.Log.Changed += OnAppend;
        try
        {
            // An append may have landed between the first check and the subscription.
            OnAppend();
            using var expiry = new CancellationTokenSource(maxWait, time);
            using var _ = expiry.Token.Register(() => woken.TrySetResult());
            using var __ = cancellationToken.Register(() => woken.TrySetResult());
            await woken.Task.ConfigureAwait(false);
        }
        finally
        {
            foreach (var position in positions) position.Log.Changed -= OnAppend;
        }
    }

    private static bool Enough(IReadOnlyList<Position> positions, long minBytes)
    {
        long total = 0;
        foreach (var position in positions)
        {
            total += position.Log.BytesAvailableFrom(position.Offset, position.Isolation);
            if (total >= minBytes) return true;
        }
        return false;
    }
}
