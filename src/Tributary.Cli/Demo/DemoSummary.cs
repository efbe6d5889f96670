using System.Globalization;
using Spectre.Console;

namespace Tributary.Cli.Demo;

/// <summary>
/// The demo's summary table: one row per exercise, at most 80 columns wide so it does not wrap on a standard
/// terminal. The exercise's name takes two lines (what, then with which API) and is green when every check held.
/// </summary>
internal static class DemoSummary
{
    public static Table Table(IEnumerable<ExerciseResult> results)
    {
        var table = new Table().Title("Summary")
            .AddColumn("Exercise")
            .AddColumn(new TableColumn("Messages").RightAligned())
            .AddColumn(new TableColumn("Seconds").RightAligned())
            .AddColumn(new TableColumn("Msg/s").RightAligned())
            .AddColumn(new TableColumn("Committed").RightAligned())
            .AddColumn(new TableColumn("Duplicates").RightAligned());
        foreach (var result in results)
            table.AddRow(
                Name(result),
                result.Messages.ToString("N0", CultureInfo.InvariantCulture),
                result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                result.Throughput.ToString("N0", CultureInfo.InvariantCulture),
                result.OffsetsCommitted?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
                result.Duplicates?.ToString("N0", CultureInfo.InvariantCulture) ?? "-");
        return table;
    }

    // "2. Consume (CommittableSource)" becomes "2. Consume" over "CommittableSource".
    private static string Name(ExerciseResult result)
    {
        var split = result.Exercise.IndexOf(" (", StringComparison.Ordinal);
        var (what, api) = split < 0 ? (result.Exercise, "") : (result.Exercise[..split], result.Exercise[(split + 2)..].TrimEnd(')'));
        var colour = result.Passed ? "green" : "red";
        return $"[{colour}]{Markup.Escape(what)}{(result.Passed ? "" : " FAILED")}[/]\n[grey]{Markup.Escape(api)}[/]";
    }
}
