using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Sends a <see cref="ProducerRecord{TKey,TValue}"/> to its partition, or lets the partitioner choose one; when traces or
/// metrics are observed, inside a <see cref="SendObservation{TKey,TValue}"/> (every producer stage sends through here).
/// </summary>
internal static class ProducerRecordSending
{
    public static void Produce<TKey, TValue>(this IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, Action<DeliveryReport<TKey, TValue>> onDelivered)
    {
        if (!KafkaTelemetry.ObservingSends)
        {
            ProduceUnobserved(producer, record, onDelivered);
            return;
        }
        var observation = SendObservation<TKey, TValue>.Start(record, onDelivered);
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
}
