using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Sends a <see cref="ProducerRecord{TKey,TValue}"/> to its partition, or lets the partitioner choose one; when traces or
/// metrics are observed, inside a <see cref="SendObservation{TKey,TValue}"/> (every producer stage sends through here).
/// </summary>
internal static class ProducerRecordSending
{
    /// <summary>
    /// Sends <paramref name="record"/>. <paramref name="restoreHeaders"/>: the producer's reports leave the headers out, and
    /// the report of a record with headers gets them before <paramref name="onDelivered"/> sees it (a handler that keeps
    /// no record of its own can then give a record without headers an empty collection, as Confluent.Kafka would).
    /// </summary>
    public static void Produce<TKey, TValue>(this IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, Action<DeliveryReport<TKey, TValue>> onDelivered,
        bool restoreHeaders)
    {
        if (!KafkaTelemetry.ObservingSends)
        {
            ProduceUnobserved(producer, record, restoreHeaders && record.Message.Headers is { Count: > 0 } ? new HeadersRestoring<TKey, TValue>(record.Message, onDelivered).Delivered : onDelivered);
            return;
        }
        var observation = SendObservation<TKey, TValue>.Start(record, onDelivered, restoreHeaders);
        try
        {
            ProduceUnobserved(producer, record, observation.Delivered);
        }
        catch (Exception refused)
        {
            observation.Refused(refused);
            throw;
        }
    }

    public static async Task<DeliveryResult<TKey, TValue>> ProduceAsync<TKey, TValue>(this IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, CancellationToken cancellationToken)
    {
        if (!KafkaTelemetry.ObservingSends)
            return await ProduceUnobservedAsync(producer, record, cancellationToken).ConfigureAwait(false);
        var observation = SendObservation<TKey, TValue>.Start(record);
        try
        {
            var result = await ProduceUnobservedAsync(producer, record, cancellationToken).ConfigureAwait(false);
            observation.Delivered(new DeliveryReport<TKey, TValue> { TopicPartitionOffset = result.TopicPartitionOffset, Message = result.Message, Status = result.Status });
            return result;
        }
        catch (ProduceException<TKey, TValue> failed)
        {
            observation.Delivered(new DeliveryReport<TKey, TValue> { TopicPartitionOffset = failed.DeliveryResult.TopicPartitionOffset, Error = failed.Error });
            throw;
        }
        catch (Exception refused)
        {
            observation.Refused(refused);
            throw;
        }
    }

    private static void ProduceUnobserved<TKey, TValue>(IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, Action<DeliveryReport<TKey, TValue>> onDelivered)
    {
        if (record.TopicPartition.Partition == Partition.Any)
            producer.Produce(record.Topic, record.Message, onDelivered);
        else
            producer.Produce(record.TopicPartition, record.Message, onDelivered);
    }

    private static Task<DeliveryResult<TKey, TValue>> ProduceUnobservedAsync<TKey, TValue>(IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, CancellationToken cancellationToken) =>
        record.TopicPartition.Partition == Partition.Any
            ? producer.ProduceAsync(record.Topic, record.Message, cancellationToken)
            : producer.ProduceAsync(record.TopicPartition, record.Message, cancellationToken);

    /// <summary>Puts the headers of a record into its delivery report before the report goes on.</summary>
    private sealed class HeadersRestoring<TKey, TValue>(Message<TKey, TValue> sent, Action<DeliveryReport<TKey, TValue>> onDelivered)
    {
        public void Delivered(DeliveryReport<TKey, TValue> report)
        {
            DeliveryReportHeaders.Restore(report, sent);
            onDelivered(report);
        }
    }
}
