using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Spectre.Console;
using Tributary.Broker;
using Tributary.Cli.Common;

namespace Tributary.Cli.Demo;

/// <summary>
/// <c>tributary demo</c>: starts an embedded 3-broker cluster, runs the three seed exercises with progress on screen
/// and prints a summary table. Exit code 0 only if every check held. On a terminal the progress is a set of bars;
/// when stdout is redirected (CI) it is one line per exercise.
/// </summary>
internal static class DemoCommand
{
    private const int Brokers = 3;

    private delegate Task<ExerciseResult> Exercise(Action advance, CancellationToken cancellationToken);

    public static Command Create()
    {
        var messages = new Option<int>("--messages", "-n") { Description = "Messages each exercise handles.", DefaultValueFactory = _ => 10_000 };
        var command = new Command("demo", "Start an embedded 3-broker cluster and run the three seed exercises: produce, consume, exactly-once transform.") { messages };
        command.SetSafeAction((result, cancellationToken) => RunAsync(result.GetValue(messages), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int messages, CancellationToken cancellationToken)
    {
        if (messages < 1)
            throw new UserErrorException($"bad --messages {messages}: must be positive");
        using var shutdown = new ShutdownSignal(cancellationToken);
        var console = AnsiConsole.Console;
        var interactive = console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (Console.IsOutputRedirected)
            console.Profile.Width = 120; // a log file has no width; the summary table needs room
        console.MarkupLine($"[bold]Tributary demo[/]: an embedded {Brokers}-broker Kafka cluster and the three seed exercises, {messages:N0} messages each.");
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = Brokers }, shutdown.Token);
        console.MarkupLine($"Cluster [green]{cluster.ClusterId}[/] listening on [green]{cluster.BootstrapServers}[/]");
        await cluster.CreateTopicAsync(DemoExercises.InputTopic, DemoExercises.Partitions, replicationFactor: Brokers, cancellationToken: shutdown.Token);
        await cluster.CreateTopicAsync(DemoExercises.OutputTopic, DemoExercises.Partitions, replicationFactor: Brokers, cancellationToken: shutdown.Token);

        using var system = QuietActorSystem.Create("tributary-demo");
        var exercises = new DemoExercises(cluster.BootstrapServers, system, messages);
        var steps = new (string Title, Exercise Run)[]
        {
            ("1. Produce with KafkaProducer.PlainSink", exercises.ProduceAsync),
            ("2. Consume with KafkaConsumer.CommittableSource", exercises.ConsumeAsync),
            ("3. Transform exactly-once with Transactional.Source and Transactional.Sink", exercises.TransformExactlyOnceAsync),
        };
        var results = new List<ExerciseResult>();
        if (interactive)
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    foreach (var step in steps)
                    {
                        var task = progress.AddTask(step.Title, maxValue: messages);
                        results.Add(await RunExerciseAsync(step.Title, step.Run, () => task.Increment(1), shutdown.Token));
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
        else
            foreach (var step in steps)
            {
                console.WriteLine($"{step.Title} ...");
                var result = await RunExerciseAsync(step.Title, step.Run, () => { }, shutdown.Token);
                console.WriteLine($"{step.Title}: {(result.Passed ? "ok" : "FAILED")} in {result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
                results.Add(result);
            }
        await system.Terminate();

        console.Write(DemoSummary.Table(results));
        foreach (var result in results)
            foreach (var check in result.Checks.Where(c => !c.Held))
                console.MarkupLineInterpolated($"[red]FAILED[/] {result.Exercise}: {check.Description}");
        var passed = results.All(r => r.Passed);
        console.MarkupLine(passed ? "[green]Every check held.[/]" : "[red]Some checks failed.[/]");
        return passed ? 0 : CommandActions.Failed;
    }

    // A failing exercise is a failed check in the summary, not the end of the demo.
    private static async Task<ExerciseResult> RunExerciseAsync(string title, Exercise exercise, Action advance, CancellationToken cancellationToken)
    {
        try
        {
            return await exercise(advance, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ExerciseResult(title, 0, TimeSpan.Zero, null, null, [new DemoCheck($"ran without error ({e.GetType().Name}: {e.Message})", false)]);
        }
    }
}
