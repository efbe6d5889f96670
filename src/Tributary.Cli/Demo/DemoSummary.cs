using System.Globalization;
using Spectre.Console;

namespace Tributary.Cli.Demo;

/// <summary>The demo's summary table: one row per exercise.</summary>
internal static class DemoSummary
{
    public static Table Table(IEnumerable<ExerciseResult> results)
    {
        var table = new Table().Title("Summary")
            .AddColumn("Exercise")
            .AddColumn(new TableColumn("Messages").RightAligned())
            .AddColumn(new TableColumn("Time").RightAligned())
            .AddColumn(new TableColumn("Throughput").RightAligned())
            .AddColumn(new TableColumn("Offsets committed").RightAligned())
            .AddColumn(new TableColumn("Duplicates found").RightAligned())
            .AddColumn("Result");
        foreach (var result in results)
            table.AddRow(
                Markup.Escape(result.Exercise),
                result.Messages.ToString("N0", CultureInfo.InvariantCulture),
                $"{result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s",
                $"{result.Throughput.ToString("N0", CultureInfo.InvariantCulture)} msg/s",
                result.OffsetsCommitted?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
                result.Duplicates?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
                result.Passed ? "[green]ok[/]" : "[red]FAILED[/]");
        return table;
    }
}
