namespace Tributary.Cli.Demo;

/// <summary>One check the demo makes, such as "every key read once".</summary>
/// <param name="Description">What was checked, with what was found.</param>
/// <param name="Held">Whether it held.</param>
internal sealed record DemoCheck(string Description, bool Held);

/// <summary>What one step of the demo did and whether its checks held.</summary>
/// <param name="Messages">Messages it handled (0 when a rate means nothing).</param>
/// <param name="Elapsed">Time it took.</param>
/// <param name="Checks">The checks made.</param>
/// <param name="Notes">What it showed, said plainly, printed under the summary.</param>
internal sealed record StepOutcome(long Messages, TimeSpan Elapsed, IReadOnlyList<DemoCheck> Checks, IReadOnlyList<string> Notes)
{
    /// <summary>Whether every check held.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Held);

    /// <summary>Messages per second.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Messages / Elapsed.TotalSeconds : 0;
}

/// <summary>A step's outcome, with the step's name for the summary.</summary>
/// <param name="Step">The step's label, such as "Produce".</param>
/// <param name="Api">The connectors or cluster features it shows, such as "PlainSink".</param>
/// <param name="Outcome">What it did and found.</param>
internal sealed record StepResult(string Step, string Api, StepOutcome Outcome)
{
    /// <summary>Whether every check held.</summary>
    public bool Passed => Outcome.Passed;
}
