using System.Globalization;
using Spectre.Console;

namespace Tributary.Cli.Demo;

/// <summary>
/// The demo's summary, in one place: a table with a row per check (what was checked, with what was found, and whether
/// it held) under each step's name, connectors and time, at most 80 columns wide so that it does not wrap on a
/// standard terminal; then the failed checks and what the steps showed, said plainly.
/// </summary>
internal static class DemoSummary
{
    /// <summary>The widest the table gets: a standard terminal.</summary>
    public const int Width = 80;

    public static void Write(IAnsiConsole console, IReadOnlyList<StepResult> results)
    {
        console.Write(Table(results));
        foreach (var result in results)
            foreach (var note in result.Outcome.Notes)
                console.WriteLine(note);
        foreach (var result in results)
            foreach (var check in result.Outcome.Checks.Where(c => !c.Held))
                console.MarkupLineInterpolated($"[red]FAILED[/] {result.Step}: {check.Description}");
        console.MarkupLine(results.All(r => r.Passed) ? "[green]Every check held.[/]" : "[red]Some checks failed.[/]");
    }

    private static Table Table(IReadOnlyList<StepResult> results)
    {
        var table = new Table { Width = Width }.Title("Summary")
            .AddColumn(new TableColumn("Step").Width(19))
            .AddColumn("What was checked")
            .AddColumn(new TableColumn("Held").Width(4));
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            for (var c = 0; c < result.Outcome.Checks.Count; c++)
            {
                var check = result.Outcome.Checks[c];
                table.AddRow(c == 0 ? Step(i + 1, result) : "", Markup.Escape(check.Description), check.Held ? "[green]yes[/]" : "[red]NO[/]");
            }
        }
        return table;
    }

    // "2. Consume" in green (red with FAILED when a check failed), over the connectors and the time it took.
    private static string Step(int number, StepResult result)
    {
        var colour = result.Passed ? "green" : "red";
        var time = result.Outcome.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        if (result.Outcome.Messages > 0) time += $", {result.Outcome.Throughput.ToString("N0", CultureInfo.InvariantCulture)}/s";
        return $"[{colour}]{number}. {Markup.Escape(result.Step)}{(result.Passed ? "" : " FAILED")}[/]\n[grey]{Markup.Escape(result.Api)}\n{time}[/]";
    }
}
