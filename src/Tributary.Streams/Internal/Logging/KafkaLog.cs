using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>Forwards librdkafka's own errors and log lines to an <see cref="ILogger"/>, and writes partitions for log lines.</summary>
internal static class KafkaLog
{
    /// <summary>
    /// Partitions as Kafka's own logs write them (<c>greetings-0, greetings-1</c>), not as Confluent.Kafka's
    /// <c>ToString</c> does (<c>greetings [[0]]</c>).
    /// </summary>
    public static string Describe(IEnumerable<TopicPartition> partitions) => string.Join(", ", partitions.Select(p => $"{p.Topic}-{p.Partition.Value}"));

    /// <summary>Offsets as <c>greetings-0@42</c>; an unset offset as <c>greetings-0</c>.</summary>
    public static string Describe(IEnumerable<TopicPartitionOffset> offsets) =>
        string.Join(", ", offsets.Select(o => o.Offset.IsSpecial ? $"{o.Topic}-{o.Partition.Value}" : $"{o.Topic}-{o.Partition.Value}@{o.Offset.Value}"));

    public static void LogKafkaClientError(this ILogger logger, Error error)
    {
        if (error.IsFatal)
            logger.LogError("Fatal Kafka client error {Code}: {Reason}", error.Code, error.Reason);
        else
            logger.LogWarning("Kafka client error {Code}: {Reason}", error.Code, error.Reason);
    }

    public static void LogKafkaClientMessage(this ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Name} {Facility}: {Message}", message.Name, message.Facility, message.Message);
    }
}
