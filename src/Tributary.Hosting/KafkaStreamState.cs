using Tributary.Streams.Helpers;

namespace Tributary.Hosting;

/// <summary>Where a hosted stream is in its life, shared by its hosted service and its health check.</summary>
internal sealed class KafkaStreamState(string name, KafkaStreamOptions options)
{
    private volatile Phase _phase = Phase.NotStarted;
    private volatile Exception? _failure;

    internal enum Phase
    {
        NotStarted,
        Running,
        Stopping,
        Stopped,
        Completed,
        Failed,
    }

    public string Name { get; } = name;

    /// <summary>The state of a stream being registered: its name and <paramref name="run"/> checked, its options configured.</summary>
    public static KafkaStreamState Register(string name, Delegate run, Action<KafkaStreamOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        var options = new KafkaStreamOptions();
        configure?.Invoke(options);
        return new KafkaStreamState(name, options);
    }

    public KafkaStreamOptions Options { get; } = options;

    public Phase Current => _phase;

    public Exception? Failure => _failure;

    /// <summary>The running stream's source control, once started.</summary>
    public IControl? Control { get; private set; }

    public void Started(IControl control)
    {
        Control = control;
        _phase = Phase.Running;
    }

    public void Stopping() => _phase = Phase.Stopping;

    /// <summary>The stream's completion: expected after <see cref="Stopping"/>, else the stream ended on its own.</summary>
    public void Ended(Exception? failure)
    {
        _failure = failure;
        _phase = failure is not null ? Phase.Failed : _phase == Phase.Stopping ? Phase.Stopped : Phase.Completed;
    }
}
