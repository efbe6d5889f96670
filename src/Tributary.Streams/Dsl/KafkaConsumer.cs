using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace Tributary.Streams.Dsl;

/// <summary>
/// Kafka sources, named as in Alpakka Kafka and Akka.Streams.Kafka. Each source (except the external ones) owns
/// one Confluent.Kafka consumer polled on its own thread; the materialized <see cref="IControl"/> stops, drains and
/// shuts it down.
/// </summary>
public static class KafkaConsumer
{
    /// <summary>Emits the records of a subscription; offsets are not committed (use auto-commit or an external store).</summary>
    /// <param name="settings">Consumer settings.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static Source<ConsumeResult<TKey, TValue>, IControl> PlainSource<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        Source.FromGraph(new SingleSourceStage<TKey, TValue, ConsumeResult<TKey, TValue>>(settings, subscription, Plain));

    /// <summary>Emits records with committable offsets, for at-least-once processing with <see cref="Committer"/>.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static Source<CommittableMessage<TKey, TValue>, IControl> CommittableSource<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        Source.FromGraph(new SingleSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription, Committable));

    /// <summary>
    /// Like <see cref="CommittableSource{TKey,TValue}"/>, with metadata derived from each record attached to its
    /// offset (<see cref="ICommittableOffsetMetadata"/>). Confluent.Kafka does not send commit metadata to the broker.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    /// <param name="metadataFromRecord">Derives the metadata string from a record.</param>
    public static Source<CommittableMessage<TKey, TValue>, IControl> CommitWithMetadataSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, ISubscription subscription, Func<ConsumeResult<TKey, TValue>, string> metadataFromRecord) =>
        Source.FromGraph(new SingleSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription, WithMetadata(metadataFromRecord)));

    /// <summary>Emits records with their committable offset as context, for <see cref="Committer.SinkWithOffsetContext{TElement}"/>.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static SourceWithContext<ConsumeResult<TKey, TValue>, ICommittableOffset, IControl> SourceWithOffsetContext<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        SourceWithContext.FromTuples(CommittableSource(settings, subscription).Select(m => (m.Record, m.CommittableOffset)));

    /// <summary>
    /// Commits each record's offset before emitting it: a record is never delivered twice, but one that fails
    /// downstream after its commit is lost. Slow (one commit per record); prefer at-least-once.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static Source<ConsumeResult<TKey, TValue>, IControl> AtMostOnceSource<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        CommittableSource(settings, subscription).SelectAsync(1, async message =>
        {
            await message.CommittableOffset.CommitAsync().ConfigureAwait(false);
            return message.Record;
        });

    /// <summary>Emits one source per assigned partition, completed when the partition is revoked.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    public static Source<(TopicPartition, Source<ConsumeResult<TKey, TValue>, NotUsed>), IControl> PlainPartitionedSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, IAutoSubscription subscription) =>
        Source.FromGraph(new PartitionedSourceStage<TKey, TValue, ConsumeResult<TKey, TValue>>(settings, subscription, Plain));

    /// <summary>Emits one source of committable messages per assigned partition, completed when the partition is revoked.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    public static Source<(TopicPartition, Source<CommittableMessage<TKey, TValue>, NotUsed>), IControl> CommittablePartitionedSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, IAutoSubscription subscription) =>
        Source.FromGraph(new PartitionedSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription, Committable));

    /// <summary>
    /// Like <see cref="PlainPartitionedSource{TKey,TValue}"/>, but assigned partitions start from offsets the
    /// application keeps elsewhere: <paramref name="getOffsetsOnAssign"/> is asked for them on every assignment.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    /// <param name="getOffsetsOnAssign">Returns the next offset to read for each assigned partition (missing ones use the committed offset).</param>
    /// <param name="onRevoke">Called when partitions are revoked, on the poll thread.</param>
    public static Source<(TopicPartition, Source<ConsumeResult<TKey, TValue>, NotUsed>), IControl> PlainPartitionedManualOffsetSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings,
        IAutoSubscription subscription,
        Func<IReadOnlySet<TopicPartition>, Task<IReadOnlyDictionary<TopicPartition, long>>> getOffsetsOnAssign,
        Action<IReadOnlySet<TopicPartition>>? onRevoke = null) =>
        Source.FromGraph(new PartitionedSourceStage<TKey, TValue, ConsumeResult<TKey, TValue>>(settings, subscription, Plain, Blocking(getOffsetsOnAssign), IgnoringConsumer(onRevoke)));

    /// <summary>Committable variant of <see cref="PlainPartitionedManualOffsetSource{TKey,TValue}(ConsumerSettings{TKey,TValue},IAutoSubscription,Func{IReadOnlySet{TopicPartition},Task{IReadOnlyDictionary{TopicPartition,long}}},Action{IReadOnlySet{TopicPartition}})"/>.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    /// <param name="getOffsetsOnAssign">Returns the next offset to read for each assigned partition (missing ones use the committed offset).</param>
    /// <param name="onRevoke">Called when partitions are revoked, on the poll thread.</param>
    public static Source<(TopicPartition, Source<CommittableMessage<TKey, TValue>, NotUsed>), IControl> CommittablePartitionedManualOffsetSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings,
        IAutoSubscription subscription,
        Func<IReadOnlySet<TopicPartition>, Task<IReadOnlyDictionary<TopicPartition, long>>> getOffsetsOnAssign,
        Action<IReadOnlySet<TopicPartition>>? onRevoke = null) =>
        Source.FromGraph(new PartitionedSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription, Committable, Blocking(getOffsetsOnAssign), IgnoringConsumer(onRevoke)));

    /// <summary>Emits the records of manually assigned partitions read by a shared consumer.</summary>
    /// <param name="consumer">The shared consumer.</param>
    /// <param name="subscription">The partitions this source reads.</param>
    public static Source<ConsumeResult<TKey, TValue>, IControl> PlainExternalSource<TKey, TValue>(SharedKafkaConsumer<TKey, TValue> consumer, IManualSubscription subscription) =>
        Source.FromGraph(new SingleSourceStage<TKey, TValue, ConsumeResult<TKey, TValue>>(consumer.Settings, subscription, Plain, consumer));

    /// <summary>Emits committable records of manually assigned partitions read by a shared consumer.</summary>
    /// <param name="consumer">The shared consumer (with a group id to commit).</param>
    /// <param name="subscription">The partitions this source reads.</param>
    public static Source<CommittableMessage<TKey, TValue>, IControl> CommittableExternalSource<TKey, TValue>(SharedKafkaConsumer<TKey, TValue> consumer, IManualSubscription subscription) =>
        Source.FromGraph(new SingleSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(consumer.Settings, subscription, Committable, consumer));

    /// <summary>
    /// Akka.Streams.Kafka's external source over a consumer actor (<see cref="KafkaConsumerActorMetadata.GetProps{TKey,TValue}"/>):
    /// <see cref="PlainExternalSource{TKey,TValue}(SharedKafkaConsumer{TKey,TValue},IManualSubscription)"/> on the actor's consumer.
    /// </summary>
    /// <param name="consumer">An actor created from <see cref="KafkaConsumerActorMetadata.GetProps{TKey,TValue}"/>.</param>
    /// <param name="subscription">The partitions this source reads.</param>
    /// <param name="autoCreateTopics">Not used: the consumer's settings decide (<see cref="ConsumerSettings{TKey,TValue}.WithAutoCreateTopicsEnabled"/>).</param>
    public static Source<ConsumeResult<TKey, TValue>, IControl> PlainExternalSource<TKey, TValue>(IActorRef consumer, IManualSubscription subscription, bool autoCreateTopics = false) =>
        PlainExternalSource(KafkaConsumerActorMetadata.ConsumerOf<TKey, TValue>(consumer), subscription);

    /// <summary>
    /// Akka.Streams.Kafka's committable external source over a consumer actor: <see
    /// cref="CommittableExternalSource{TKey,TValue}(SharedKafkaConsumer{TKey,TValue},IManualSubscription)"/> on the actor's consumer.
    /// </summary>
    /// <param name="consumer">An actor created from <see cref="KafkaConsumerActorMetadata.GetProps{TKey,TValue}"/>.</param>
    /// <param name="subscription">The partitions this source reads.</param>
    /// <param name="groupId">The consumer's group id; it must be the one of the actor's consumer settings.</param>
    /// <param name="commitTimeout">Not used: the consumer's settings decide (<see cref="ConsumerSettings{TKey,TValue}.CommitTimeout"/>).</param>
    /// <param name="autoCreateTopics">Not used: the consumer's settings decide.</param>
    public static Source<CommittableMessage<TKey, TValue>, IControl> CommittableExternalSource<TKey, TValue>(
        IActorRef consumer, IManualSubscription subscription, string groupId, TimeSpan commitTimeout, bool autoCreateTopics = false)
    {
        var shared = KafkaConsumerActorMetadata.ConsumerOf<TKey, TValue>(consumer);
        return shared.Settings.GroupId == groupId
            ? CommittableExternalSource(shared, subscription)
            : throw new ArgumentException($"The consumer actor's group is {shared.Settings.GroupId}, not {groupId}: offsets are committed to the consumer's own group.", nameof(groupId));
    }

    /// <summary>
    /// Emits one source per assigned partition, each with metadata derived from its records attached to their offsets
    /// (<see cref="ICommittableOffsetMetadata"/>); completed when the partition is revoked.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    /// <param name="metadataFromRecord">Derives the metadata string from a record.</param>
    public static Source<(TopicPartition, Source<CommittableMessage<TKey, TValue>, NotUsed>), IControl> CommitWithMetadataPartitionedSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings, IAutoSubscription subscription, Func<ConsumeResult<TKey, TValue>, string> metadataFromRecord) =>
        Source.FromGraph(new PartitionedSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription, WithMetadata(metadataFromRecord)));

    /// <summary>
    /// Akka.Streams.Kafka's shape of <see cref="PlainPartitionedManualOffsetSource{TKey,TValue}(ConsumerSettings{TKey,TValue},IAutoSubscription,Func{IReadOnlySet{TopicPartition},Task{IReadOnlyDictionary{TopicPartition,long}}},Action{IReadOnlySet{TopicPartition}})"/>:
    /// the callbacks take and return immutable sets.
    /// </summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    /// <param name="getOffsetsOnAssign">Returns the next offset to read for assigned partitions (missing ones use the committed offset).</param>
    /// <param name="onRevoke">Called when partitions are revoked, on the poll thread.</param>
    public static Source<(TopicPartition, Source<ConsumeResult<TKey, TValue>, NotUsed>), IControl> PlainPartitionedManualOffsetSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings,
        IAutoSubscription subscription,
        Func<IImmutableSet<TopicPartition>, Task<IImmutableSet<TopicPartitionOffset>>> getOffsetsOnAssign,
        Action<IImmutableSet<TopicPartition>> onRevoke) =>
        PlainPartitionedManualOffsetSource(settings, subscription, FromImmutable(getOffsetsOnAssign), FromImmutable(onRevoke));

    /// <summary>Committable variant of the immutable-set overload of <c>PlainPartitionedManualOffsetSource</c>.</summary>
    /// <param name="settings">Consumer settings with a group id.</param>
    /// <param name="subscription">Topics to subscribe to through the group.</param>
    /// <param name="getOffsetsOnAssign">Returns the next offset to read for assigned partitions (missing ones use the committed offset).</param>
    /// <param name="onRevoke">Called when partitions are revoked, on the poll thread.</param>
    public static Source<(TopicPartition, Source<CommittableMessage<TKey, TValue>, NotUsed>), IControl> CommittablePartitionedManualOffsetSource<TKey, TValue>(
        ConsumerSettings<TKey, TValue> settings,
        IAutoSubscription subscription,
        Func<IImmutableSet<TopicPartition>, Task<IImmutableSet<TopicPartitionOffset>>> getOffsetsOnAssign,
        Action<IImmutableSet<TopicPartition>> onRevoke) =>
        CommittablePartitionedManualOffsetSource(settings, subscription, FromImmutable(getOffsetsOnAssign), FromImmutable(onRevoke));

    /// <summary>Akka.Streams.Kafka's name for <see cref="Transactional.Source{TKey,TValue}"/>.</summary>
    /// <param name="settings">Consumer settings; the drain timeout on revoke is their commit timeout.</param>
    /// <param name="subscription">Topics (group) or a manual assignment.</param>
    public static Source<TransactionalMessage<TKey, TValue>, IControl> TransactionalSource<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, ISubscription subscription) =>
        Transactional.Source(settings, subscription);

    private static Func<IReadOnlySet<TopicPartition>, Task<IReadOnlyDictionary<TopicPartition, long>>> FromImmutable(
        Func<IImmutableSet<TopicPartition>, Task<IImmutableSet<TopicPartitionOffset>>> getOffsetsOnAssign) =>
        async partitions => (await getOffsetsOnAssign(partitions.ToImmutableHashSet()).ConfigureAwait(false))
            .ToDictionary(offset => offset.TopicPartition, offset => offset.Offset.Value);

    private static Action<IReadOnlySet<TopicPartition>> FromImmutable(Action<IImmutableSet<TopicPartition>> onRevoke) =>
        partitions => onRevoke(partitions.ToImmutableHashSet());

    private static ConsumeResult<TKey, TValue> Plain<TKey, TValue>(ConsumeResult<TKey, TValue> record, IOffsetCommitter _) => record;

    private static CommittableMessage<TKey, TValue> Committable<TKey, TValue>(ConsumeResult<TKey, TValue> record, IOffsetCommitter committer) =>
        new(record, new CommittableOffset(committer, record.TopicPartitionOffset));

    private static Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, CommittableMessage<TKey, TValue>> WithMetadata<TKey, TValue>(Func<ConsumeResult<TKey, TValue>, string> metadataFromRecord) =>
        (record, committer) => new CommittableMessage<TKey, TValue>(record, new CommittableOffsetWithMetadata(committer, record.TopicPartitionOffset, metadataFromRecord(record)));

    private static Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? IgnoringConsumer(Action<IReadOnlySet<TopicPartition>>? onRevoke) =>
        onRevoke is null ? null : (_, partitions) => onRevoke(partitions);

    // Offsets are needed inside librdkafka's assign callback, on the poll thread, which may block.
    private static Func<IReadOnlySet<TopicPartition>, IReadOnlyDictionary<TopicPartition, long>> Blocking(
        Func<IReadOnlySet<TopicPartition>, Task<IReadOnlyDictionary<TopicPartition, long>>> getOffsetsOnAssign) =>
        partitions => getOffsetsOnAssign(partitions).GetAwaiter().GetResult();
}
