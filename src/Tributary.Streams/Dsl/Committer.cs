using Akka;
using Akka.Streams.Dsl;

namespace Tributary.Streams.Dsl;

/// <summary>
/// Batches offsets and commits them: by size (<see cref="CommitterSettings.MaxBatch"/>) or age
/// (<see cref="CommitterSettings.MaxInterval"/>), with <see cref="CommitterSettings.Parallelism"/> batch commits in
/// flight, waiting for acknowledgements or not. Offsets of partitions no longer assigned are dropped, not failed.
/// </summary>
public static class Committer
{
    /// <summary>Commits batches and emits each committed batch.</summary>
    /// <param name="settings">Committer settings.</param>
    public static Flow<ICommittable, ICommittableOffsetBatch, NotUsed> BatchFlow(CommitterSettings settings)
    {
        var collect = Akka.Streams.Dsl.Flow.Create<ICommittable>().Via(new CommitCollectorStage(settings));
        return settings.Delivery == CommitDelivery.WaitForAck
            ? collect.SelectAsync(settings.Parallelism, async batch =>
            {
                await batch.CommitAsync().ConfigureAwait(false);
                return (ICommittableOffsetBatch)batch;
            })
            : collect.Select(batch =>
            {
                // Failures are logged by the consumer; observe them so they are not unobserved task exceptions.
                batch.CommitAsync().ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                return (ICommittableOffsetBatch)batch;
            });
    }

    /// <summary>Commits batches and emits <see cref="Done"/> per committed batch.</summary>
    /// <param name="settings">Committer settings.</param>
    public static Flow<ICommittable, Done, NotUsed> Flow(CommitterSettings settings) =>
        BatchFlow(settings).Select(_ => Done.Instance);

    /// <summary>Commits batches; the materialized task completes when the last batch was committed.</summary>
    /// <param name="settings">Committer settings.</param>
    public static Sink<ICommittable, Task<Done>> Sink(CommitterSettings settings) =>
        BatchFlow(settings).ToMaterialized(Akka.Streams.Dsl.Sink.Ignore<ICommittableOffsetBatch>(), Keep.Right);

    /// <summary>Commits the offsets carried as context and emits the committed batches.</summary>
    /// <param name="settings">Committer settings.</param>
    /// <typeparam name="TElement">The element type, discarded.</typeparam>
    public static FlowWithContext<TElement, ICommittableOffset, NotUsed, ICommittableOffsetBatch, NotUsed> FlowWithOffsetContext<TElement>(CommitterSettings settings) =>
        FlowWithContext.From(
            Akka.Streams.Dsl.Flow.Create<(TElement, ICommittableOffset)>()
                .Select(pair => (ICommittable)pair.Item2)
                .Via(BatchFlow(settings))
                .Select(batch => (NotUsed.Instance, batch)));

    /// <summary>Commits the offsets carried as context; the materialized task completes when all were committed.</summary>
    /// <param name="settings">Committer settings.</param>
    /// <typeparam name="TElement">The element type, discarded.</typeparam>
    public static Sink<(TElement, ICommittableOffset), Task<Done>> SinkWithOffsetContext<TElement>(CommitterSettings settings) =>
        Akka.Streams.Dsl.Flow.Create<(TElement, ICommittableOffset)>()
            .Select(pair => (ICommittable)pair.Item2)
            .ToMaterialized(Sink(settings), Keep.Right);
}
