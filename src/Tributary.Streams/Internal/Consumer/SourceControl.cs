namespace Tributary.Streams.Internal;

/// <summary>
/// The <see cref="IControl"/> a source stage materializes. Requests may come from any thread before the stage has
/// started; they are remembered and delivered to the stage's async callbacks once it binds them.
/// </summary>
internal sealed class SourceControl : IControl
{
    private readonly object gate = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action? stopCallback;
    private Action? shutdownCallback;
    private readonly TaskCompletionSource<Func<Task<ConsumerMetrics>>> metrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool stopRequested;
    private bool shutdownRequested;

    public Task IsShutdown => shutdown.Task;

    public Task<ConsumerMetrics> Metrics => SnapshotAsync();

    private async Task<ConsumerMetrics> SnapshotAsync() => await (await metrics.Task.ConfigureAwait(false))().ConfigureAwait(false);

    /// <summary>Stage: connects the control to the stage's callbacks and replays earlier requests.</summary>
    public void Bind(Action stop, Action shutdownNow, Func<Task<ConsumerMetrics>> metricsSnapshot)
    {
        bool replayStop, replayShutdown;
        lock (gate)
        {
            stopCallback = stop;
            shutdownCallback = shutdownNow;
            metrics.TrySetResult(metricsSnapshot);
            replayStop = stopRequested;
            replayShutdown = shutdownRequested;
        }
        if (replayShutdown)
            shutdownNow();
        else if (replayStop)
            stop();
    }

    public Task Stop()
    {
        Action? callback;
        lock (gate)
        {
            stopRequested = true;
            callback = stopCallback;
        }
        if (!stopped.Task.IsCompleted)
            callback?.Invoke();
        return stopped.Task;
    }

    public Task Shutdown()
    {
        Action? callback;
        lock (gate)
        {
            shutdownRequested = true;
            callback = shutdownCallback;
        }
        if (!shutdown.Task.IsCompleted)
            callback?.Invoke();
        return shutdown.Task;
    }

    public Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion) => this.DrainAndShutdownDefault(streamCompletion);

    /// <summary>Stage: the source's outlet has completed.</summary>
    public void MarkStopped() => stopped.TrySetResult();

    /// <summary>Stage: the consumer has been closed (or detached) and the stage has finished.</summary>
    public void MarkShutdown()
    {
        metrics.TrySetResult(() => Task.FromException<ConsumerMetrics>(new InvalidOperationException("The source stopped before its consumer started.")));
        stopped.TrySetResult();
        shutdown.TrySetResult();
    }
}
