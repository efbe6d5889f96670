using Confluent.Kafka;

namespace Tributary.Benchmarks.Streams;

/// <summary>What every connector scenario shares: the cluster address, message shape and client settings.</summary>
internal sealed record StreamsTopology(string BootstrapServers)
{
    /// <summary>Partitions of every topic the scenarios create.</summary>
    public const int Partitions = 4;

    /// <summary>Size of every message value.</summary>
    public const int ValueSize = 100;

    /// <summary>A fresh consumer group, so that every scenario reads its input from the beginning.</summary>
    public static string NewGroup(string scenario) => $"{scenario}-{Guid.NewGuid():N}";

    /// <summary>
    /// Raw consumer settings, the same values the Tributary sources get, including the short prefetch back-off that
    /// Tributary sets by default: with librdkafka's 1 s default a raw loop that falls behind its prefetch stalls for a
    /// second, and the baseline would measure that stall rather than the loop.
    /// </summary>
    public ConsumerConfig ConsumerConfig(string group) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        FetchQueueBackoffMs = 10,
    };

    /// <summary>Raw producer settings (librdkafka defaults: acks=all, idempotence off, linger.ms=5), as the Tributary sinks get.</summary>
    public ProducerConfig ProducerConfig() => new() { BootstrapServers = BootstrapServers };
}
