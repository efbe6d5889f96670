using System.CommandLine;
using Confluent.Kafka;

namespace Tributary.Cli.Common;

/// <summary>Runs command actions so that user mistakes and client errors end as one line on stderr and exit code 1.</summary>
internal static class CommandActions
{
    /// <summary>Exit code of a command that failed because of a user mistake or an unreachable cluster.</summary>
    public const int Failed = 1;

    /// <summary>Sets <paramref name="action"/> as the command's action, reporting expected failures in one line.</summary>
    public static void SetSafeAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken);
            }
            catch (Exception e) when (Describe(e) is { } message)
            {
                await Console.Error.WriteLineAsync($"tributary: {message}");
                return Failed;
            }
        });

    // Exceptions that come from what the user typed or from the cluster; anything else is a bug and keeps its trace.
    private static string? Describe(Exception e) => e switch
    {
        UserErrorException => e.Message,
        // Confluent.Kafka rejects unknown properties and invalid values when a client is built.
        ArgumentException or InvalidOperationException when e.Message.Contains("configuration property", StringComparison.OrdinalIgnoreCase) => $"bad client property: {e.Message}",
        KafkaException kafka => $"Kafka error: {kafka.Error.Reason} ({kafka.Error.Code})",
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
