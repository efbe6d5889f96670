using System.Collections.Immutable;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Testing;

/// <summary>
/// Builds producer results for unit tests without a broker (named after Alpakka Kafka's testkit): stand-ins for what
/// <see cref="KafkaProducer.FlexiFlow{TKey,TValue,TPassThrough}(ProducerSettings{TKey,TValue})"/> emits, for example in a test flow that replaces it.
/// </summary>
public static class ProducerResultFactory
{
    /// <summary>The delivery result of a record as if written at <paramref name="offset"/>.</summary>
    /// <param name="record">The produced record.</param>
    /// <param name="offset">Offset it got.</param>
    /// <param name="partition">Partition it went to; the record's own when it names one, else 0.</param>
    public static DeliveryResult<TKey, TValue> DeliveryResult<TKey, TValue>(ProducerRecord<TKey, TValue> record, long offset = 0, int? partition = null) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(record.Topic, partition ?? (record.TopicPartition.Partition == Partition.Any ? 0 : record.TopicPartition.Partition.Value), offset),
        Message = record.Message,
        Status = PersistenceStatus.Persisted,
    };

    /// <summary>The result of a single-record envelope.</summary>
    /// <param name="message">The envelope.</param>
    /// <param name="offset">Offset the record got.</param>
    public static Result<TKey, TValue, TPassThrough> Result<TKey, TValue, TPassThrough>(Message<TKey, TValue, TPassThrough> message, long offset = 0) =>
        new(DeliveryResult(message.Record, offset), message.Record, message.PassThrough);

    /// <summary>The result of a multi-record envelope; records get consecutive offsets from <paramref name="firstOffset"/>.</summary>
    /// <param name="message">The envelope.</param>
    /// <param name="firstOffset">Offset of the first record.</param>
    public static MultiResult<TKey, TValue, TPassThrough> MultiResult<TKey, TValue, TPassThrough>(MultiMessage<TKey, TValue, TPassThrough> message, long firstOffset = 0) =>
        new(message.Records.Select((record, i) => DeliveryResult(record, firstOffset + i)).ToImmutableArray(), message.PassThrough);

    /// <summary>The result of a pass-through envelope.</summary>
    /// <param name="message">The envelope.</param>
    public static PassThroughResult<TKey, TValue, TPassThrough> PassThroughResult<TKey, TValue, TPassThrough>(PassThroughMessage<TKey, TValue, TPassThrough> message) =>
        new(message.PassThrough);

    /// <summary>The result any envelope would get, as a producer flow emits it.</summary>
    /// <param name="envelope">The envelope.</param>
    /// <param name="offset">Offset of its (first) record.</param>
    public static IResults<TKey, TValue, TPassThrough> ResultOf<TKey, TValue, TPassThrough>(IEnvelope<TKey, TValue, TPassThrough> envelope, long offset = 0) => envelope switch
    {
        Message<TKey, TValue, TPassThrough> single => Result(single, offset),
        MultiMessage<TKey, TValue, TPassThrough> multi => MultiResult(multi, offset),
        PassThroughMessage<TKey, TValue, TPassThrough> passThrough => PassThroughResult(passThrough),
        _ => throw new ArgumentException($"Unknown envelope {envelope.GetType()}.", nameof(envelope)),
    };
}
