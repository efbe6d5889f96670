using Confluent.Kafka;

namespace Tributary.Benchmarks;

/// <summary>How every benchmark's raw Confluent.Kafka producer loop waits when librdkafka's local queue is full.</summary>
internal static class ProducerBackpressure
{
    /// <summary>Produces one message (with <paramref name="headers"/> if given), serving delivery reports while the queue is full until there is room.</summary>
    public static void ProduceWaitingForRoom(this IProducer<Null, byte[]> producer, string topic, byte[] value, Action<DeliveryReport<Null, byte[]>> onDelivery,
        Headers? headers = null)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = value, Headers = headers }, onDelivery);
                return;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }
}
