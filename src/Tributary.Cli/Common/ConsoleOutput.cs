using Spectre.Console;
using Spectre.Console.Rendering;

namespace Tributary.Cli.Common;

/// <summary>Writes tables to stdout: as wide as the terminal, or 160 columns when stdout is a file or pipe.</summary>
internal static class ConsoleOutput
{
    public static void Write(IRenderable renderable)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
            console.Profile.Width = 160;
        console.Write(renderable);
    }
}
