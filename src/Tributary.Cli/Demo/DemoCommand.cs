using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tributary.Cli.Common;
using Tributary.Cli.Demo.Steps;

namespace Tributary.Cli.Demo;

/// <summary>
/// <c>tributary demo [steps]</c>: starts an embedded 3-broker cluster secured as production clusters are (SASL_SSL,
/// SCRAM, ACLs; <c>--plaintext</c> for none) and runs the demo's steps through it with the connectors, then prints the
/// summary. Exit code 0 only if every check held. On a terminal the progress is a set of bars; when stdout is
/// redirected (CI) it is one line per step.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Every step, in the order the demo runs them.</summary>
    private static readonly IReadOnlyList<IDemoStep> AllSteps =
        [new ProduceStep(), new ConsumeStep(), new TransformStep(), new ReplayStep(), new SecurityStep(), new ReplicationStep()];

    /// <summary>What <c>--plaintext</c> runs without step names: the three seed exercises, the demo before security.</summary>
    private static readonly string[] PlainSteps = ["produce", "consume", "transform"];

    public static Command Create()
    {
        var steps = new Argument<string[]>("steps")
        {
            Description = "Steps to run (with the steps they build on), in the demo's order; all when none is named.",
            Arity = ArgumentArity.ZeroOrMore,
        }.AcceptOnlyFromAmong(AllSteps.Select(s => s.Name).ToArray());
        var messages = new Option<int>("--messages", "-n") { Description = "Messages each seed exercise handles.", DefaultValueFactory = _ => 10_000 };
        var plaintext = new Option<bool>("--plaintext") { Description = "A PLAINTEXT cluster without users or ACLs; without step names, the three seed exercises only." };
        // A test hook, not a feature: the application is denied WRITE on the greetings topic, so the produce step is
        // refused for real and the tests can see the exit code say that a check failed.
        var denyProduce = new Option<bool>("--test-deny-produce") { Hidden = true };
        var command = new Command("demo",
            "Start an embedded 3-broker cluster secured with SASL_SSL, SCRAM and ACLs, and show the seed exercises through it with the connectors, " +
            "a consumer refused for want of its group ACL, replication (acks=all through a crash, what acks=1 loses, acks=all's latency) " +
            "and a replay by a second group. Steps: " + string.Join(", ", AllSteps.Select(s => s.Name)) + ".")
        {
            steps, messages, plaintext, denyProduce,
        };
        command.SetSafeAction((result, cancellationToken) => RunAsync(
            result.GetValue(steps) ?? [], result.GetValue(messages), !result.GetValue(plaintext), result.GetValue(denyProduce), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] names, int messages, bool secured, bool denyProduce, CancellationToken cancellationToken)
    {
        if (messages < 1)
            throw new UserErrorException($"bad --messages {messages}: must be positive");
        if (!secured && names.Contains("security"))
            throw new UserErrorException("the security step needs the secured cluster: leave out --plaintext");
        if (!secured && denyProduce)
            throw new UserErrorException("--test-deny-produce needs the secured cluster's ACLs: leave out --plaintext");
        var steps = Select(names.Length > 0 ? names : secured ? AllSteps.Select(s => s.Name) : PlainSteps);
        using var shutdown = new ShutdownSignal(cancellationToken);
        var console = AnsiConsole.Console;
        var interactive = console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (Console.IsOutputRedirected)
            console.Profile.Width = DemoSummary.Width; // a log file has no width; the summary is made for 80 columns

        console.MarkupLine($"[bold]Tributary demo[/]: an embedded {DemoCluster.Brokers}-broker Kafka cluster; steps: {string.Join(", ", steps.Select(s => s.Name))}.");
        await using var demo = await DemoCluster.StartAsync(messages, secured, denyProduce, shutdown.Token);
        console.MarkupLineInterpolated($"Cluster [green]{demo.Cluster.ClusterId}[/]: {demo.Description}");
        var results = interactive ? await RunWithProgressAsync(console, demo, steps, shutdown.Token) : await RunWithLinesAsync(console, demo, steps, shutdown.Token);
        DemoSummary.Write(console, results);
        return results.All(r => r.Passed) ? 0 : CommandActions.Failed;
    }

    // The named steps and those they need, in the demo's order.
    private static List<IDemoStep> Select(IEnumerable<string> names)
    {
        var wanted = new HashSet<string>();
        void Add(string name)
        {
            if (!wanted.Add(name)) return;
            foreach (var need in AllSteps.Single(s => s.Name == name).Needs) Add(need);
        }
        foreach (var name in names) Add(name);
        return AllSteps.Where(s => wanted.Contains(s.Name)).ToList();
    }

    private static async Task<List<StepResult>> RunWithProgressAsync(IAnsiConsole console, DemoCluster demo, List<IDemoStep> steps, CancellationToken cancellationToken)
    {
        var results = new List<StepResult>();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                foreach (var step in steps)
                {
                    var task = progress.AddTask(Markup.Escape(step.Title), maxValue: step.Work(demo));
                    results.Add(await RunStepAsync(step, demo, () => task.Increment(1), cancellationToken));
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
        return results;
    }

    private static async Task<List<StepResult>> RunWithLinesAsync(IAnsiConsole console, DemoCluster demo, List<IDemoStep> steps, CancellationToken cancellationToken)
    {
        var results = new List<StepResult>();
        foreach (var step in steps)
        {
            console.WriteLine($"{step.Title} ...");
            var result = await RunStepAsync(step, demo, () => { }, cancellationToken);
            console.WriteLine($"{step.Title}: {(result.Passed ? "ok" : "FAILED")} in {result.Outcome.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
            results.Add(result);
        }
        return results;
    }

    // A failing step is a failed check in the summary, not the end of the demo.
    private static async Task<StepResult> RunStepAsync(IDemoStep step, DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return new StepResult(step.Label, step.Api, await step.RunAsync(demo, advance, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new StepResult(step.Label, step.Api,
                new StepOutcome(0, clock.Elapsed, [new DemoCheck($"ran without error ({e.GetType().Name.Split('`')[0]}: {e.Message})", false)], []));
        }
    }
}
