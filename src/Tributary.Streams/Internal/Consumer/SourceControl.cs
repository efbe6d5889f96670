namespace Tributary.Streams.Internal;

/// <summary>
/// The <see cref="IControl"/> a source stage materializes. Requests may come from any thread before the stage has
/// started; they are remembered and delivered to the stage's async callbacks once it binds them.
/// </summary>
internal sealed class SourceControl : IControl
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action? _stopCallback;
    private Action? _shutdownCallback;
    private readonly TaskCompletionSource<Func<Task<ConsumerMetrics>>> _metrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopRequested;
    private bool _shutdownRequested;

    public Task IsShutdown => _shutdown.Task;

    public Task<ConsumerMetrics> Metrics => SnapshotAsync();

    private async Task<ConsumerMetrics> SnapshotAsync() => await (await _metrics.Task.ConfigureAwait(false))().ConfigureAwait(false);

    /// <summary>Stage: connects the control to the stage's callbacks and replays earlier requests.</summary>
    public void Bind(Action stop, Action shutdownNow, Func<Task<ConsumerMetrics>> metricsSnapshot)
    {
        bool replayStop, replayShutdown;
        lock (_gate)
        {
            _stopCallback = stop;
            _shutdownCallback = shutdownNow;
            _metrics.TrySetResult(metricsSnapshot);
            replayStop = _stopRequested;
            replayShutdown = _shutdownRequested;
        }
        if (replayShutdown)
            shutdownNow();
        else if (replayStop)
            stop();
    }

    public Task Stop()
    {
        Action? callback;
        lock (_gate)
        {
            _stopRequested = true;
            callback = _stopCallback;
        }
        if (!_stopped.Task.IsCompleted)
            callback?.Invoke();
        return _stopped.Task;
    }

    public Task Shutdown()
    {
        Action? callback;
        lock (_gate)
        {
            _shutdownRequested = true;
            callback = _shutdownCallback;
        }
        if (!_shutdown.Task.IsCompleted)
            callback?.Invoke();
        return _shutdown.Task;
    }

    public Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion) => this.DrainAndShutdownDefault(streamCompletion);

    /// <summary>Stage: the source's outlet has completed.</summary>
    public void MarkStopped() => _stopped.TrySetResult();

    /// <summary>Stage: the consumer has been closed (or detached) and the stage has finished.</summary>
    public void MarkShutdown()
    {
        _metrics.TrySetResult(() => Task.FromException<ConsumerMetrics>(new InvalidOperationException("The source stopped before its consumer started.")));
        _stopped.TrySetResult();
        _shutdown.TrySetResult();
    }
}
