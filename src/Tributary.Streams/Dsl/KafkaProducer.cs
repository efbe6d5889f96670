using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace Tributary.Streams.Dsl;

/// <summary>Kafka sinks and flows, named as in Alpakka Kafka and Akka.Streams.Kafka.</summary>
public static class KafkaProducer
{
    /// <summary>Produces records; the materialized task completes when all were acknowledged (or fails with the first error).</summary>
    /// <param name="settings">Producer settings.</param>
    public static Sink<ProducerRecord<TKey, TValue>, Task<Done>> PlainSink<TKey, TValue>(ProducerSettings<TKey, TValue> settings) =>
        Sink.FromGraph(new PlainSinkStage<TKey, TValue>(settings));

    /// <summary>
    /// Produces single, multi and pass-through envelopes and emits their results in order, with the pass-through
    /// value attached (for example a committable offset to commit after the write was acknowledged).
    /// </summary>
    /// <param name="settings">Producer settings.</param>
    public static Flow<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>, NotUsed> FlexiFlow<TKey, TValue, TPassThrough>(ProducerSettings<TKey, TValue> settings) =>
        Flow.FromGraph(new ProducerStage<TKey, TValue, TPassThrough>(settings));

    /// <summary>Produces envelopes whose context (for example a committable offset) is carried alongside.</summary>
    /// <param name="settings">Producer settings.</param>
    public static FlowWithContext<IEnvelope<TKey, TValue, NotUsed>, TContext, IResults<TKey, TValue, TContext>, TContext, NotUsed> FlowWithContext<TKey, TValue, TContext>(ProducerSettings<TKey, TValue> settings) =>
        Akka.Streams.Dsl.FlowWithContext.From(
            Flow.Create<(IEnvelope<TKey, TValue, NotUsed>, TContext)>()
                .Select(pair => WithPassThrough(pair.Item1, pair.Item2))
                .Via(FlexiFlow<TKey, TValue, TContext>(settings))
                .Select(result => (result, result.PassThrough)));

    /// <summary>
    /// Produces envelopes and commits their pass-through offsets once written, batched by the committer settings:
    /// produce and commit in one sink for consume-transform-produce at-least-once.
    /// </summary>
    /// <param name="producerSettings">Producer settings.</param>
    /// <param name="committerSettings">Committer settings.</param>
    public static Sink<IEnvelope<TKey, TValue, ICommittable>, Task<Done>> CommittableSink<TKey, TValue>(ProducerSettings<TKey, TValue> producerSettings, CommitterSettings committerSettings) =>
        FlexiFlow<TKey, TValue, ICommittable>(producerSettings)
            .Select(result => result.PassThrough)
            .ToMaterialized(Committer.Sink(committerSettings), Keep.Right);

    /// <summary>Akka.Streams.Kafka's overload of <see cref="PlainSink{TKey,TValue}(ProducerSettings{TKey,TValue})"/> with a shared producer, which the sink does not dispose.</summary>
    /// <param name="settings">Producer settings.</param>
    /// <param name="producer">The shared producer.</param>
    public static Sink<ProducerRecord<TKey, TValue>, Task<Done>> PlainSink<TKey, TValue>(ProducerSettings<TKey, TValue> settings, IProducer<TKey, TValue> producer) =>
        PlainSink(settings.WithProducer(producer));

    /// <summary>Akka.Streams.Kafka's overload of <see cref="FlexiFlow{TKey,TValue,TPassThrough}(ProducerSettings{TKey,TValue})"/> with a shared producer, which the flow does not dispose.</summary>
    /// <param name="settings">Producer settings.</param>
    /// <param name="producer">The shared producer.</param>
    public static Flow<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>, NotUsed> FlexiFlow<TKey, TValue, TPassThrough>(ProducerSettings<TKey, TValue> settings, IProducer<TKey, TValue> producer) =>
        FlexiFlow<TKey, TValue, TPassThrough>(settings.WithProducer(producer));

    /// <summary>Akka.Streams.Kafka's name for <see cref="Transactional.Flow{TKey,TValue}(ProducerSettings{TKey,TValue},string)"/>.</summary>
    /// <param name="settings">Producer settings (no shared producer).</param>
    /// <param name="transactionalId">The producer's transactional id.</param>
    public static Flow<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, IResults<TKey, TValue, GroupTopicPartitionOffset>, NotUsed> TransactionalFlow<TKey, TValue>(ProducerSettings<TKey, TValue> settings, string transactionalId) =>
        Transactional.Flow(settings, transactionalId);

    /// <summary>Akka.Streams.Kafka's name for <see cref="Transactional.Sink{TKey,TValue}(ProducerSettings{TKey,TValue},string)"/>.</summary>
    /// <param name="settings">Producer settings (no shared producer).</param>
    /// <param name="transactionalId">The producer's transactional id.</param>
    public static Sink<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, Task<Done>> TransactionalSink<TKey, TValue>(ProducerSettings<TKey, TValue> settings, string transactionalId) =>
        Transactional.Sink(settings, transactionalId);

    internal static IEnvelope<TKey, TValue, TContext> WithPassThrough<TKey, TValue, TContext>(IEnvelope<TKey, TValue, NotUsed> envelope, TContext context) => envelope switch
    {
        Message<TKey, TValue, NotUsed> single => new Message<TKey, TValue, TContext>(single.Record, context),
        MultiMessage<TKey, TValue, NotUsed> multi => new MultiMessage<TKey, TValue, TContext>(multi.Records, context),
        _ => new PassThroughMessage<TKey, TValue, TContext>(context),
    };
}
