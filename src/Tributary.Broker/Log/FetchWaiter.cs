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
    /// after <paramref name="maxWait"/> (<see cref="FetchDeadlines"/>: on the system clock up to 1 ms sooner, as Kafka),
    /// or on cancellation (without throwing: the fetch then answers with what it has).
    /// </summary>
    public static async Task WaitAsync(IReadOnlyList<Position> positions, long minBytes, TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (positions.Count == 0 || minBytes <= 0 || maxWait <= TimeSpan.Zero || Enough(positions, minBytes)) return;

        var wait = new Wait(positions, minBytes);
        Action onChanged = wait.OnChanged;
        foreach (var position in positions) position.Log.Changed += onChanged;
        var deadlines = time == TimeProvider.System ? FetchDeadlines.Shared : null;
        try
        {
            // An append may have landed between the first check and the subscription.
            wait.OnChanged();
            deadlines?.Add(wait, maxWait);
            using var expiry = deadlines is null ? time.CreateTimer(static w => ((Wait)w!).EndSoon(), wait, maxWait, Timeout.InfiniteTimeSpan) : null;
            using var _ = cancellationToken.UnsafeRegister(static w => ((Wait)w!).EndSoon(), wait);
            await wait.Task.ConfigureAwait(false);
        }
        finally
        {
            deadlines?.Remove(wait);
            foreach (var position in positions) position.Log.Changed -= onChanged;
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

    /// <summary>
    /// One waiting fetch. Its continuation runs on the thread that ends it: the deadline thread (<see cref="EndNow"/>), or a
    /// pool worker (<see cref="EndSoon"/>: appends, which must not run a fetch on the appending thread, closing connections
    /// and other clocks' timers).
    /// </summary>
    private sealed class Wait(IReadOnlyList<Position> positions, long minBytes) : FetchDeadlines.Entry, IThreadPoolWorkItem
    {
        private readonly TaskCompletionSource _ended = new();
        private int _ending;

        public Task Task => _ended.Task;

        public void OnChanged()
        {
            if (Enough(positions, minBytes)) EndSoon();
        }

        internal override void EndNow() => _ended.TrySetResult();

        public void EndSoon()
        {
            if (Interlocked.Exchange(ref _ending, 1) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        void IThreadPoolWorkItem.Execute() => _ended.TrySetResult();
    }
}
