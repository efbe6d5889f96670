using System.Collections.Concurrent;
using System.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Demo.Steps;

/// <summary>How the steps run their consuming streams: until they have seen everything, then drained.</summary>
internal static class StreamRuns
{
    /// <summary>Long enough for a slow CI machine, short enough that a hang ends the demo with a failed check.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lets the stream run until it has seen everything (or failed, or run out of patience), then drains it, so what
    /// is in flight is finished and committed before the consumer closes.
    /// </summary>
    public static async Task UntilAsync(Func<bool> done, DrainingControl<Done> control, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!done() && !control.StreamCompletion.IsCompleted && deadline.Elapsed < Patience)
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        await control.DrainAndShutdown().WaitAsync(Patience, cancellationToken);
    }

    /// <summary>
    /// Reads the greetings in <paramref name="group"/> with <see cref="KafkaConsumer.CommittableSource{TKey,TValue}"/>
    /// and commits with <see cref="Committer.Sink"/> until every key was seen; returns how often each key was read and
    /// the first offset read on each partition.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, int> Keys, IReadOnlyDictionary<int, long> FirstOffsets)> ReadGreetingsAsync(
        DemoCluster demo, string group, Action advance, CancellationToken cancellationToken)
    {
        var keys = new ConcurrentDictionary<string, int>();
        var firstOffsets = new ConcurrentDictionary<int, long>();
        var control = KafkaConsumer.CommittableSource(demo.ConsumerSettings(group), Subscriptions.Topics(DemoCluster.GreetingsTopic))
            .Select(message =>
            {
                keys.AddOrUpdate(message.Record.Message.Key, 1, (_, seen) => seen + 1);
                firstOffsets.TryAdd(message.Record.Partition.Value, message.Record.Offset.Value);
                advance();
                return (ICommittable)message.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(demo.System)), DrainingControl<Done>.Create)
            .Run(demo.Materializer);
        await UntilAsync(() => keys.Count >= demo.Messages, control, cancellationToken);
        return (keys, firstOffsets);
    }
}
