using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Testing;

/// <summary>
/// Gives any source the <see cref="IControl"/> materialized value of a Kafka source, so stream code written against
/// <see cref="KafkaConsumer"/> sources can run on test data (named after Alpakka Kafka's testkit).
/// </summary>
public static class ConsumerControlFactory
{
    /// <summary>Wraps <paramref name="source"/>: stopping the control completes the stream, as a Kafka source would.</summary>
    /// <param name="source">Test data, for example <c>Source.From(messages)</c>.</param>
    public static Source<T, IControl> ControlSource<T>(Source<T, NotUsed> source) =>
        source.ViaMaterialized(KillSwitches.Single<T>(), Keep.Right).MapMaterializedValue(killSwitch => (IControl)new FakeControl(killSwitch));

    /// <summary>A pass-through flow whose materialized control completes the stream when stopped.</summary>
    public static Flow<T, T, IControl> ControlFlow<T>() =>
        Flow.Create<T>().ViaMaterialized(KillSwitches.Single<T>(), Keep.Right).MapMaterializedValue(killSwitch => (IControl)new FakeControl(killSwitch));

    /// <summary>A control that is not attached to any stream; stopping it only completes its tasks.</summary>
    public static IControl Control() => new FakeControl(null);

    /// <summary>The control of a fake source: a kill switch, no consumer.</summary>
    private sealed class FakeControl(UniqueKillSwitch? killSwitch) : IControl
    {
        private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task IsShutdown => _shutdown.Task;

        public Task<ConsumerMetrics> Metrics => Task.FromResult(new ConsumerMetrics(Array.Empty<TopicPartition>(), Array.Empty<TopicPartition>(), 0, 0, 0, null));

        public Task Stop()
        {
            killSwitch?.Shutdown();
            return Task.CompletedTask;
        }

        public Task Shutdown()
        {
            killSwitch?.Shutdown();
            _shutdown.TrySetResult();
            return Task.CompletedTask;
        }

        public async Task<TResult> DrainAndShutdown<TResult>(Task<TResult> streamCompletion)
        {
            await Stop();
            try
            {
                return await streamCompletion;
            }
            finally
            {
                await Shutdown();
            }
        }
    }
}
