using System.CommandLine;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary>The wiring every admin subcommand shares: the connection options and an action that gets an admin client.</summary>
internal static class AdminCommandWiring
{
    /// <summary>An admin subcommand's action: the parsed command line, the connection it describes and an admin client of it.</summary>
    // A delegate type of its own rather than a Func: an instance of Func<..., IAdminClient, ...> built while the command
    // line is assembled loads Confluent.Kafka (0.4 MB resident) for every command, the broker included.
    public delegate Task<int> AdminAction(ParseResult result, KafkaConnection kafka, IAdminClient admin);

    /// <summary>
    /// Adds the connection options to <paramref name="command"/>, after its own, and sets <paramref name="action"/> as its
    /// action, given the connection the options describe and an admin client of it that lives as long as the action;
    /// user and cluster errors end as one line and exit code 1.
    /// </summary>
    /// <returns><paramref name="command"/>, so that a subcommand is built in one expression.</returns>
    public static Command WithAdminAction(this Command command, AdminAction action)
    {
        var connection = new KafkaConnectionOptions();
        connection.AddTo(command);
        // Admin requests are short and bounded by --timeout, so the cancellation token is not passed on.
        command.SetSafeAction(async (result, _) =>
        {
            var kafka = connection.Read(result);
            using var admin = kafka.CreateAdminClient();
            return await action(result, kafka, admin);
        });
        return command;
    }
}
