using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>Sends a <see cref="ProducerRecord{TKey,TValue}"/> to its partition, or lets the partitioner choose one.</summary>
internal static class ProducerRecordSending
{
    public static void Produce<TKey, TValue>(this IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, Action<DeliveryReport<TKey, TValue>> onDelivered)
    {
        if (record.TopicPartition.Partition == Partition.Any)
            producer.Produce(record.Topic, record.Message, onDelivered);
        else
            producer.Produce(record.TopicPartition, record.Message, onDelivered);
    }

    public static Task<DeliveryResult<TKey, TValue>> ProduceAsync<TKey, TValue>(this IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record, CancellationToken cancellationToken) =>
        record.TopicPartition.Partition == Partition.Any
            ? producer.ProduceAsync(record.Topic, record.Message, cancellationToken)
            : producer.ProduceAsync(record.TopicPartition, record.Message, cancellationToken);
}
