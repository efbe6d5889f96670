using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>Forwards librdkafka's own errors and log lines to an <see cref="ILogger"/>.</summary>
internal static class KafkaLog
{
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
