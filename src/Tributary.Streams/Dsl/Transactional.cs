using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using AkkaFlow = Akka.Streams.Dsl.Flow;
using AkkaSink = Akka.Streams.Dsl.Sink;
using AkkaSource = Akka.Streams.Dsl.Source;

namespace Tributary.Streams.Dsl;

/// <summary>
/// Exactly-once consume-transform-produce (KIP-447), in the shape Alpakka Kafka and Akka.Streams.Kafka share. A
/// transactional source reads committed records only and drains in-flight records of revoked partitions before they
/// are handed over; it emits <see cref="TransactionalMessage{TKey,TValue}"/>s. Pass each message's
/// <see cref="TransactionalMessage{TKey,TValue}.PartitionOffset"/> as the pass-through of the envelope carrying its
/// output (<c>ProducerMessage.Single(record, message.PartitionOffset)</c>); a transactional flow or sink produces the
/// output and commits those offsets in the same Kafka transaction, every <see cref="TransactionalSettings.CommitInterval"/>.
/// Every record emitted by the source must reach the flow (use <see cref="ProducerMessage.PassThrough{TKey,TValue,TPassThrough}"/>
/// for records that produce nothing), or a revoke waits for it until the consumer's commit timeout and then aborts.
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
    public static Source<TransactionalMessage<TKey, TValue>, IControl> Source<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription)
    {
        var transactional = ReadCommitted(settings);
        return AkkaSource.FromGraph(new SingleSourceStage<TKey, TValue, TransactionalMessage<TKey, TValue>>(
            transactional, subscription, Message(transactional, subscription is IAutoSubscription), onRevoke: DrainRevoked(transactional)));
    }

    /// <summary>Like <see cref="Source{TKey,TValue}"/>, with the offset as context, for <see cref="FlowWithOffsetContext{TKey,TValue}"/>.</summary>
    /// <param name="settings">Consumer settings.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static SourceWithContext<ConsumeResult<TKey, TValue>, GroupTopicPartitionOffset, IControl> SourceWithOffsetContext<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        SourceWithContext.FromTuples(Source(settings, subscription).Select(m => (m.Record, m.PartitionOffset)));

    /// <summary>
    /// Emits one source of committed records per assigned partition; run each through its own transactional flow
    /// (for example with <see cref="TransactionalSettings.ForPartition"/>). A revoked partition's sub-source
    /// completes and the revoke waits until its records are committed.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    public static Source<(TopicPartition, Source<TransactionalMessage<TKey, TValue>, NotUsed>), IControl> PartitionedSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, IAutoSubscription subscription)
    {
        var transactional = ReadCommitted(settings);
        return AkkaSource.FromGraph(new PartitionedSourceStage<TKey, TValue, TransactionalMessage<TKey, TValue>>(
            transactional, subscription, Message(transactional, commitsToGroup: true), onRevoke: DrainRevoked(transactional)));
    }

    /// <summary>
    /// Produces envelopes in transactions and commits their pass-through offsets (from a transactional source) in
    /// the same transactions; completes when upstream completes and the last transaction is committed.
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer: the sink owns its transactional producer).</param>
    /// <param name="settings">Transactional id, commit interval and timeouts.</param>
    public static Sink<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, Task<Done>> Sink<TKey, TValue>(ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        Flow(producerSettings, settings).ToMaterialized(AkkaSink.Ignore<IResults<TKey, TValue, GroupTopicPartitionOffset>>(), Keep.Right);

    /// <summary>
    /// <see cref="Sink{TKey,TValue}(ProducerSettings{TKey,TValue},TransactionalSettings)"/> with the default
    /// <see cref="TransactionalSettings"/> for <paramref name="transactionalId"/> (Alpakka's and Akka.Streams.Kafka's shape).
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="transactionalId">The producer's transactional id, stable across restarts of this instance.</param>
    public static Sink<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, Task<Done>> Sink<TKey, TValue>(ProducerSettings<TKey, TValue> producerSettings, string transactionalId) =>
        Sink(producerSettings, TransactionalSettings.Create(transactionalId));

    /// <summary>
    /// Like <see cref="Sink{TKey,TValue}(ProducerSettings{TKey,TValue},TransactionalSettings)"/>, emitting each
    /// envelope's result in order once its records are written (they become visible to read_committed consumers when
    /// the transaction commits).
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id, commit interval and timeouts.</param>
    public static Flow<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, IResults<TKey, TValue, GroupTopicPartitionOffset>, NotUsed> Flow<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        AkkaFlow.FromGraph(new TransactionalProducerStage<TKey, TValue, GroupTopicPartitionOffset>(producerSettings, settings));

    /// <summary>
    /// <see cref="Flow{TKey,TValue}(ProducerSettings{TKey,TValue},TransactionalSettings)"/> with the default
    /// <see cref="TransactionalSettings"/> for <paramref name="transactionalId"/>.
    /// </summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="transactionalId">The producer's transactional id, stable across restarts of this instance.</param>
    public static Flow<IEnvelope<TKey, TValue, GroupTopicPartitionOffset>, IResults<TKey, TValue, GroupTopicPartitionOffset>, NotUsed> Flow<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, string transactionalId) =>
        Flow(producerSettings, TransactionalSettings.Create(transactionalId));

    /// <summary>Transactional flow for a stream whose context is the offset (<see cref="SourceWithOffsetContext{TKey,TValue}"/>).</summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id, commit interval and timeouts.</param>
    public static FlowWithContext<IEnvelope<TKey, TValue, NotUsed>, GroupTopicPartitionOffset, IResults<TKey, TValue, GroupTopicPartitionOffset>, GroupTopicPartitionOffset, NotUsed> FlowWithOffsetContext<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        Akka.Streams.Dsl.FlowWithContext.From(
            AkkaFlow.Create<(IEnvelope<TKey, TValue, NotUsed>, GroupTopicPartitionOffset)>()
                .Select(pair => KafkaProducer.WithPassThrough(pair.Item1, pair.Item2))
                .Via(Flow(producerSettings, settings))
                .Select(result => (result, result.PassThrough)));

    /// <summary>Transactional sink for a stream whose context is the offset (<see cref="SourceWithOffsetContext{TKey,TValue}"/>).</summary>
    /// <param name="producerSettings">Producer settings (no shared producer).</param>
    /// <param name="settings">Transactional id, commit interval and timeouts.</param>
    public static Sink<(IEnvelope<TKey, TValue, NotUsed>, GroupTopicPartitionOffset), Task<Done>> SinkWithOffsetContext<TKey, TValue>(
        ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings) =>
        FlowWithOffsetContext(producerSettings, settings).AsFlow()
            .ToMaterialized(AkkaSink.Ignore<(IResults<TKey, TValue, GroupTopicPartitionOffset>, GroupTopicPartitionOffset)>(), Keep.Right);

    private static ConsumerSettings<TKey, TValue> ReadCommitted<TKey, TValue>(ConsumerSettings<TKey, TValue> settings) =>
        settings.WithProperty("isolation.level", "read_committed").WithProperty("enable.auto.commit", "false");

    private static Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TransactionalMessage<TKey, TValue>> Message<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, bool commitsToGroup) =>
        (record, consumer) => new TransactionalMessage<TKey, TValue>(record, TransactionalSourceState.Of(consumer, settings, commitsToGroup).Emit(record.TopicPartitionOffset));

    private static Action<IOffsetCommitter, IReadOnlySet<TopicPartition>> DrainRevoked<TKey, TValue>(ConsumerSettings<TKey, TValue> settings) =>
        (consumer, revoked) => TransactionalSourceState.Of(consumer, settings, commitsToGroup: true).DrainRevoked(revoked);
}
