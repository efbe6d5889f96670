using System.Collections.Immutable;
using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>Produces an envelope's records with a Confluent.Kafka producer and builds the matching result.</summary>
internal static class EnvelopeProducer
{
    public static Task<IResults<TKey, TValue, TPassThrough>> ProduceAsync<TKey, TValue, TPassThrough>(
        IProducer<TKey, TValue> producer, IEnvelope<TKey, TValue, TPassThrough> envelope, CancellationToken cancellationToken) => envelope switch
    {
        Message<TKey, TValue, TPassThrough> single => ProduceSingleAsync(producer, single, cancellationToken),
        MultiMessage<TKey, TValue, TPassThrough> multi => ProduceMultiAsync(producer, multi, cancellationToken),
        PassThroughMessage<TKey, TValue, TPassThrough> pass => Task.FromResult<IResults<TKey, TValue, TPassThrough>>(new PassThroughResult<TKey, TValue, TPassThrough>(pass.PassThrough)),
        _ => throw new ArgumentException($"Unknown envelope {envelope.GetType()}", nameof(envelope)),
    };

    public static Task<DeliveryResult<TKey, TValue>> ProduceAsync<TKey, TValue>(IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, CancellationToken cancellationToken) =>
        record.TopicPartition.Partition == Partition.Any
            ? producer.ProduceAsync(record.Topic, record.Message, cancellationToken)
            : producer.ProduceAsync(record.TopicPartition, record.Message, cancellationToken);

    private static async Task<IResults<TKey, TValue, TPassThrough>> ProduceSingleAsync<TKey, TValue, TPassThrough>(
        IProducer<TKey, TValue> producer, Message<TKey, TValue, TPassThrough> single, CancellationToken cancellationToken)
    {
        var delivery = await ProduceAsync(producer, single.Record, cancellationToken).ConfigureAwait(false);
        return new Result<TKey, TValue, TPassThrough>(delivery, single.Record, single.PassThrough);
    }

    private static async Task<IResults<TKey, TValue, TPassThrough>> ProduceMultiAsync<TKey, TValue, TPassThrough>(
        IProducer<TKey, TValue> producer, MultiMessage<TKey, TValue, TPassThrough> multi, CancellationToken cancellationToken)
    {
        var deliveries = await Task.WhenAll(multi.Records.Select(r => ProduceAsync(producer, r, cancellationToken))).ConfigureAwait(false);
        return new MultiResult<TKey, TValue, TPassThrough>(deliveries.ToImmutableArray(), multi.PassThrough);
    }
}
