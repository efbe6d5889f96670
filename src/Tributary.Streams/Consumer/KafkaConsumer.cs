using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace Tributary.Streams;

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
        Source.FromGraph(new SingleSourceStage<TKey, TValue, CommittableMessage<TKey, TValue>>(settings, subscription,
            (record, committer) => new CommittableMessage<TKey, TValue>(record, new CommittableOffsetWithMetadata(committer, record.TopicPartitionOffset, metadataFromRecord(record)))));

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

    /// <summary>Committable variant of <see cref="PlainPartitionedManualOffsetSource{TKey,TValue}"/>.</summary>
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

    private static ConsumeResult<TKey, TValue> Plain<TKey, TValue>(ConsumeResult<TKey, TValue> record, IOffsetCommitter _) => record;

    private static CommittableMessage<TKey, TValue> Committable<TKey, TValue>(ConsumeResult<TKey, TValue> record, IOffsetCommitter committer) =>
        new(record, new CommittableOffset(committer, record.TopicPartitionOffset));

    private static Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? IgnoringConsumer(Action<IReadOnlySet<TopicPartition>>? onRevoke) =>
        onRevoke is null ? null : (_, partitions) => onRevoke(partitions);

    // Offsets are needed inside librdkafka's assign callback, on the poll thread, which may block.
    private static Func<IReadOnlySet<TopicPartition>, IReadOnlyDictionary<TopicPartition, long>> Blocking(
        Func<IReadOnlySet<TopicPartition>, Task<IReadOnlyDictionary<TopicPartition, long>>> getOffsetsOnAssign) =>
        partitions => getOffsetsOnAssign(partitions).GetAwaiter().GetResult();
}
