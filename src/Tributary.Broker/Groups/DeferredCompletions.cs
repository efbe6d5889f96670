namespace Tributary.Broker.Groups;

/// <summary>
/// Answers to waiting JoinGroup and SyncGroup requests, collected while the coordinator's lock is held
/// and delivered after it is released, so no continuation ever runs under the lock.
/// </summary>
internal sealed class DeferredCompletions
{
    private readonly List<Action> _completions = [];

    /// <summary>A completion source for a request that waits for the group.</summary>
    public static TaskCompletionSource<T> NewWaiter<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Queues <paramref name="result"/> for <paramref name="waiter"/>.</summary>
    public void Complete<T>(TaskCompletionSource<T> waiter, T result) => _completions.Add(() => waiter.TrySetResult(result));

    /// <summary>Delivers every queued answer; call outside the lock.</summary>
    public void Run()
    {
        foreach (var completion in _completions)
            completion();
        _completions.Clear();
    }
}
