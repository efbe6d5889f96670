namespace Tributary.Cli.Demo;

/// <summary>One check the demo makes, such as "every key read once".</summary>
/// <param name="Description">What was checked.</param>
/// <param name="Held">Whether it held.</param>
internal sealed record DemoCheck(string Description, bool Held);

/// <summary>What one seed exercise of the demo did and whether its checks held.</summary>
/// <param name="Exercise">The exercise's name, with the connector it uses.</param>
/// <param name="Messages">Messages it handled.</param>
/// <param name="Elapsed">Time it took.</param>
/// <param name="OffsetsCommitted">Offsets the group committed in total, when the exercise commits.</param>
/// <param name="Duplicates">Duplicates found in what it wrote or read, when the exercise looks for them.</param>
/// <param name="Checks">The checks made.</param>
internal sealed record ExerciseResult(string Exercise, long Messages, TimeSpan Elapsed, long? OffsetsCommitted, long? Duplicates, IReadOnlyList<DemoCheck> Checks)
{
    /// <summary>Whether every check held.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Held);

    /// <summary>Messages per second.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Messages / Elapsed.TotalSeconds : 0;
}
