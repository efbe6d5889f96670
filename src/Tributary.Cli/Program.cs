using System.CommandLine;
using Tributary.Cli;
using Tributary.Cli.Admin;
using Tributary.Cli.Clients;
using Tributary.Cli.Common;
using Tributary.Cli.Demo;
using Tributary.Cli.Pipe;

var root = new RootCommand("Tributary: Kafka streaming for .NET. kcat command lines work too: tributary -C -b host:port -t topic.")
{
    DemoCommand.Create(),
    BrokerCommand.Create(),
    ProduceCommand.Create(),
    ConsumeCommand.Create(),
    PipeCommand.Create(),
    TopicsCommand.Create(),
    GroupsCommand.Create(),
    MetadataCommand.Create(),
    MetadataCommand.CreateOffsets(),
    AclsCommand.Create(),
};
string[] arguments;
try
{
    arguments = KcatArguments.Translate(args, root.Subcommands.Select(c => c.Name).ToHashSet());
}
catch (UserErrorException e)
{
    await Console.Error.WriteLineAsync($"tributary: {e.Message}");
    return CommandActions.Failed;
}
// Commands handle Ctrl-C and SIGTERM themselves (see ShutdownSignal), so that both end in a clean exit code 0.
return await root.Parse(arguments).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
