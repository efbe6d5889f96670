using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary>Reads partitions' first and end offsets with a consumer that never joins a group.</summary>
internal sealed class WatermarkReader(KafkaConnection connection) : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer =
        new ConsumerBuilder<byte[], byte[]>(connection.ClientProperties([new("group.id", "tributary-admin"), new("enable.auto.commit", "false")]))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();

    /// <summary>The first and end offsets of <paramref name="partition"/>.</summary>
    public WatermarkOffsets Read(TopicPartition partition) => _consumer.QueryWatermarkOffsets(partition, connection.Timeout);

    /// <summary>The consumer, for offset look-ups by time.</summary>
    public IConsumer<byte[], byte[]> Consumer => _consumer;

    public void Dispose() => _consumer.Dispose();
}
