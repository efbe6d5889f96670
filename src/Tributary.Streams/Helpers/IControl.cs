using Akka;
using Tributary.Streams.Extensions;

namespace Tributary.Streams.Helpers;

/// <summary>
/// Controls a running Kafka source: the materialized value of every <see cref="KafkaConsumer"/> source.
/// Member names follow Alpakka Kafka and Akka.Streams.Kafka so code moves over with a namespace change.
/// </summary>
public interface IControl
{
    /// <summary>
    /// Completes the source without closing the consumer, so offsets of records already in the stream can still
    /// be committed. The returned task completes when the source has completed.
    /// </summary>
    Task Stop();

    /// <summary>Completes the source and closes the consumer (after the stop timeout); completes when it is closed.</summary>
    Task Shutdown();

    /// <summary>
    /// Akka.Streams.Kafka's overload of <see cref="Shutdown()"/>, which it calls with the stream's failure when a drain
    /// fails; the shutdown is the same with or without <paramref name="cause"/>.
    /// </summary>
    /// <param name="cause">Why the source is shut down, or null.</param>
    Task Shutdown(Exception? cause) => Shutdown();

    /// <summary>Completes when the consumer has been closed, whether by <see cref="Shutdown()"/>, failure or cancellation.</summary>
    Task IsShutdown { get; }

    /// <summary>
    /// Stops the source, waits for <paramref name="streamCompletion"/> (the rest of the stream finishing and
    /// committing what was in flight), then shuts the consumer down. Returns the stream's result.
    /// </summary>
    /// <param name="streamCompletion">Completes when the stream downstream of the source has finished.</param>
    /// <typeparam name="TResult">The stream's result type.</typeparam>
    Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion);

    /// <summary>A snapshot of the consumer's assignment and counters.</summary>
    Task<ConsumerMetrics> Metrics { get; }
}

/// <summary>
/// The control of a source together with the completion of the stream it feeds, as materialized by
/// <c>.ToMaterialized(sink, DrainingControl&lt;T&gt;.Create)</c>; <see cref="DrainAndShutdown"/> drains and closes.
/// </summary>
/// <typeparam name="T">The stream's result type.</typeparam>
public sealed class DrainingControl<T> : IControl
{
    private DrainingControl(IControl control, Task<T> streamCompletion)
    {
        Control = control;
        StreamCompletion = streamCompletion;
    }

    /// <summary>The source's control.</summary>
    public IControl Control { get; }

    /// <summary>Completes when the stream has finished.</summary>
    public Task<T> StreamCompletion { get; }

    /// <summary>Combines a control and a stream completion; usable as a materialized-value combiner.</summary>
    /// <param name="control">The source's control.</param>
    /// <param name="streamCompletion">The sink's completion.</param>
    public static DrainingControl<T> Create(IControl control, Task<T> streamCompletion) => new(control, streamCompletion);

    /// <summary>Combines a control and a stream completion given as a tuple (from <c>Keep.Both</c>).</summary>
    /// <param name="pair">The source's control and the sink's completion.</param>
    public static DrainingControl<T> Create((IControl Control, Task<T> StreamCompletion) pair) => new(pair.Control, pair.StreamCompletion);

    /// <summary>
    /// Combines a control and the <see cref="Done"/> of a sink (<c>Committer.Sink</c>, <c>Sink.Ignore</c>) into a
    /// <c>DrainingControl&lt;NotUsed&gt;</c>, as Akka.Streams.Kafka code writes <c>DrainingControl&lt;NotUsed&gt;.Create</c>.
    /// Use it through <c>DrainingControl&lt;NotUsed&gt;</c>; <c>DrainingControl&lt;Done&gt;.Create</c> keeps the
    /// <see cref="Done"/> with the two-argument form.
    /// </summary>
    /// <param name="pair">The source's control and the sink's completion.</param>
    public static DrainingControl<NotUsed> Create((IControl Control, Task<Done> StreamCompletion) pair) => Create(pair.Control, (Task)pair.StreamCompletion);

    /// <summary>Combines a control and a completion without a result into a <c>DrainingControl&lt;NotUsed&gt;</c>.</summary>
    /// <param name="control">The source's control.</param>
    /// <param name="streamCompletion">Completes when the stream has finished.</param>
    public static DrainingControl<NotUsed> Create(IControl control, Task streamCompletion) =>
        DrainingControl<NotUsed>.Create(control, AsNotUsed(streamCompletion));

    private static async Task<NotUsed> AsNotUsed(Task completion)
    {
        await completion.ConfigureAwait(false);
        return NotUsed.Instance;
    }

    /// <summary>Stops the source, waits for the stream to finish, then closes the consumer.</summary>
    public Task<T> DrainAndShutdown() => Control.DrainAndShutdown(StreamCompletion);

    /// <inheritdoc />
    public Task Stop() => Control.Stop();

    /// <inheritdoc />
    public Task Shutdown() => Control.Shutdown();

    /// <inheritdoc />
    public Task IsShutdown => Control.IsShutdown;

    /// <inheritdoc />
    public Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion) => Control.DrainAndShutdown(streamCompletion);

    /// <inheritdoc />
    public Task<ConsumerMetrics> Metrics => Control.Metrics;
}

/// <summary>
/// A control that controls nothing, for sub-sources whose materialized value must be an <see cref="IControl"/>
/// (<c>MergeMany(n, pair =&gt; pair.Item2.MapMaterializedValue(_ =&gt; new NoopControl()))</c>). Every request fails:
/// the source's real control is the one the partitioned source materialized.
/// </summary>
public sealed class NoopControl : IControl
{
    private static Exception NotAssigned(Exception? cause = null) =>
        new InvalidOperationException("This is a NoopControl; use the control materialized by the Kafka source.", cause);

    /// <inheritdoc />
    public Task Stop() => Task.FromException(NotAssigned());

    /// <inheritdoc />
    public Task Shutdown() => Task.FromException(NotAssigned());

    /// <inheritdoc />
    public Task Shutdown(Exception? cause) => Task.FromException(NotAssigned(cause));

    /// <inheritdoc />
    public Task IsShutdown => Task.FromException(NotAssigned());

    /// <inheritdoc />
    public Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion) => this.DrainAndShutdownDefault(streamCompletion);

    /// <inheritdoc />
    public Task<ConsumerMetrics> Metrics => Task.FromException<ConsumerMetrics>(NotAssigned());
}
