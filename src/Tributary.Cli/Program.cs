using System.CommandLine;
using Tributary.Cli;
using Tributary.Cli.Admin;
using Tributary.Cli.Clients;
using Tributary.Cli.Demo;
using Tributary.Cli.Pipe;

var root = new RootCommand("Tributary: Kafka streaming for .NET.")
{
    DemoCommand.Create(),
    BrokerCommand.Create(),
    ProduceCommand.Create(),
    ConsumeCommand.Create(),
    PipeCommand.Create(),
    TopicsCommand.Create(),
    GroupsCommand.Create(),
    AclsCommand.Create(),
};
// Commands handle Ctrl-C and SIGTERM themselves (see ShutdownSignal), so that both end in a clean exit code 0.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
