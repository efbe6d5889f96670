using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using AkkaFlow = Akka.Streams.Dsl.Flow;
using AkkaSink = Akka.Streams.Dsl.Sink;
using AkkaSource = Akka.Streams.Dsl.Source;

namespace Tributary.Streams;

/// <summary>
/// Exactly-once consume-transform-produce (KIP-447). A transactional source reads committed records only and drains
/// in-flight records of revoked partitions before they are handed over; a transactional flow or sink produces the
/// output and commits the consumed offsets in the same Kafka transaction, every
/// <see cref="TransactionalSettings.CommitInterval"/>. Messages and envelopes are those of the at-least-once
/// pipeline: replace <see cref="KafkaConsumer.CommittableSource{TKey,TValue}"/> by <see cref="Source{TKey,TValue}"/>
/// and <see cref="KafkaProducer.CommittableSink{TKey,TValue}"/> (or FlexiFlow + Committer) by
/// <see cref="Sink{TKey,TValue}"/>; the transform in between stays as it is. Every record emitted by the source must
/// reach the flow (use <see cref="ProducerMessage.PassThrough{TKey,TValue,TPassThrough}"/> for records that produce
/// nothing), or a revoke waits for it until the consumer's commit timeout and then aborts.
/// </summary>
public static class Transactional
{
    /// <summary>
    /// Emits committed records (<c>isolation.level=read_committed</c>) with offsets that only a transactional flow or
    /// sink commits. With a group subscription, offsets go to the group inside each transaction; with a manual
    /// assignment (for example <see cref="Subscriptions.AssignmentWithOffset"/>) they are not sent to the group: the
    /// application stores them itself, for example as records written in the same transaction (external offsets).
    /// </summary>
    /// <param name="settings">Consumer settings; the drain timeout on revoke is their commit timeout.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static Source<CommittableMessage<TKey, TValue>, IControl> Source<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription)
    {
        var transactional = ReadCommitted(settings);
        return AkkaSource.FromGraph(new SingleSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(
            transactional, subscription, Message(transactional, subscription is IAutoSubscription), onRevoke: DrainRevoked(transactional)));
    }

    /// <summary>Like <see cref="Source{TKey,TValue}"/>, with the offset as context, for <see cref="FlowWithOffsetContext{TKey,TValue}"/>.</summary>
    /// <param name="settings">Consumer settings.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static SourceWithContext<ConsumeResult<TKey, TValue>, ICommittableOffset, IControl> SourceWithOffsetContext<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        SourceWithContext.FromTuples(Source(settings, subscription).Select(m => (m.Record, m.CommittableOffset)));

    /// <summary>
    /// Emits one source of committed records per assigned partition; run each through its own transactional flow
    /// (for example with <see cref="TransactionalSettings.ForPartition"/>). A revoked partition's sub-source
    /// completes and the revoke waits until its records are committed.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    public static Source<(TopicPartition, Source<CommittableMessage<TKey, TValue>, NotUsed>), IControl> PartitionedSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, IAutoSubscription subscription)
    {
        var transactional = ReadCommitted(settings);
        return AkkaSource.FromGraph(new PartitionedSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(
            transactional, subscription, Message(transactional, commitsToGroup: true), onRevoke: DrainRevoked(transactional)));
    }

    /// <summary>
    /// Produces envelopes in transactions and commits their pass-through offsets (from a transactional source) in
    /// the same transactions; completes when upstream completes and the last transaction is committed.
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer: the sink owns its transactional producer).</param>
    /// <param name="settings">Transactional id and commit interval.</param>
    public static Sink<IEnvelope<TKey, TValue, ICommittable>, Task<Done>> Sink<TKey, TValue>(ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        Flow(producerSettings, settings).ToMaterialized(AkkaSink.Ignore<IResults<TKey, TValue, ICommittable>>(), Keep.Right);

    /// <summary>
    /// Like <see cref="Sink{TKey,TValue}"/>, emitting each envelope's result in order once its records are written
    /// (they become visible to read_committed consumers when the transaction commits).
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id and commit interval.</param>
    public static Flow<IEnvelope<TKey, TValue, ICommittable>, IResults<TKey, TValue, ICommittable>, NotUsed> Flow<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        AkkaFlow.FromGraph(new TransactionalProducerStage<TKey, TValue, ICommittable>(producerSettings, settings));

    /// <summary>Transactional flow for a stream whose context is the offset (<see cref="SourceWithOffsetContext{TKey,TValue}"/>).</summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id and commit interval.</param>
    public static FlowWithContext<IEnvelope<TKey, TValue, NotUsed>, ICommittableOffset, IResults<TKey, TValue, ICommittableOffset>, ICommittableOffset, NotUsed> FlowWithOffsetContext<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        Akka.Streams.Dsl.FlowWithContext.From(
            AkkaFlow.Create<(IEnvelope<TKey, TValue, NotUsed>, ICommittableOffset)>()
                .Select(pair => KafkaProducer.WithPassThrough(pair.Item1, pair.Item2))
                .Via(new TransactionalProducerStage<TKey, TValue, ICommittableOffset>(producerSettings, settings))
                .Select(result => (result, result.PassThrough)));

    /// <summary>Transactional sink for a stream whose context is the offset (<see cref="SourceWithOffsetContext{TKey,TValue}"/>).</summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id and commit interval.</param>
    public static Sink<(IEnvelope<TKey, TValue, NotUsed>, ICommittableOffset), Task<Done>> SinkWithOffsetContext<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        FlowWithOffsetContext(producerSettings, settings).AsFlow()
            .ToMaterialized(AkkaSink.Ignore<(IResults<TKey, TValue, ICommittableOffset>, ICommittableOffset)>(), Keep.Right);

    private static ConsumerSettings<TKey, TValue> ReadCommitted<TKey, TValue>(ConsumerSettings<TKey, TValue> settings) =>
        settings.WithProperty("isolation.level", "read_committed").WithProperty("enable.auto.commit", "false");

    private static Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, CommittableMessage<TKey, TValue>> Message<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, bool commitsToGroup) =>
        (record, consumer) => new CommittableMessage<TKey, TValue>(record, TransactionalSourceState.Of(consumer, settings, commitsToGroup).Emit(record.TopicPartitionOffset));

    private static Action<IOffsetCommitter, IReadOnlySet<TopicPartition>> DrainRevoked<TKey, TValue>(ConsumerSettings<TKey, TValue> settings) =>
        (consumer, revoked) => TransactionalSourceState.Of(consumer, settings, commitsToGroup: true).DrainRevoked(revoked);
}
