namespace Tributary.Cli.Demo;

/// <summary>One step of the demo: something it shows on the cluster, and the checks that prove it held.</summary>
internal interface IDemoStep
{
    /// <summary>The step's name on the command line, e.g. <c>security</c>.</summary>
    string Name { get; }

    /// <summary>The step's name in the summary, e.g. <c>Security</c>.</summary>
    string Label { get; }

    /// <summary>The connectors or cluster features it shows, under its name in the summary.</summary>
    string Api { get; }

    /// <summary>What the step does, for the progress display.</summary>
    string Title { get; }

    /// <summary>Steps whose results this one builds on (run first when this one is asked for alone).</summary>
    IReadOnlyList<string> Needs { get; }

    /// <summary>How often the step calls its progress callback, for the progress bar.</summary>
    long Work(DemoCluster demo);

    /// <summary>Runs the step, calling <paramref name="advance"/> as it progresses; failures of its checks are in the result.</summary>
    Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken);
}
