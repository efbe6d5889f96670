using System.Diagnostics;

namespace Tributary.Docs.Tests;

/// <summary>What a shell sequence printed and returned.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs documentation shell blocks with bash, in a fresh directory, with <c>tributary</c> on the PATH as the built
/// command (the docs say <c>tributary</c> is it). Background jobs a sequence leaves are stopped when it ends.
/// </summary>
public static class Shell
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static string CommandPath { get; } = Path.Combine(Markdown.RepositoryRoot, "src", "Tributary.Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "tributary.dll");

    /// <summary>Runs <paramref name="blocks"/> one after the other in one bash session (set -euo pipefail).</summary>
    /// <param name="blocks">The blocks to run.</param>
    /// <param name="bootstrap">TRIBUTARY_BOOTSTRAP for the session; unset when null.</param>
    public static async Task<ShellResult> RunAsync(IEnumerable<CodeBlock> blocks, string? bootstrap = null)
    {
        Assert.True(File.Exists(CommandPath), $"The command is not built at {CommandPath}.");
        var directory = Directory.CreateTempSubdirectory("tributary-docs-");
        var bin = Directory.CreateDirectory(Path.Combine(directory.FullName, "bin"));
        var wrapper = Path.Combine(bin.FullName, "tributary");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{CommandPath}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) // the sequences are bash: the tests run where bash does
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var script = Path.Combine(directory.FullName, "sequence.sh");
        await File.WriteAllTextAsync(script,
            "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + string.Join("", blocks.Select(b => $"# {b}\n{b.Code}")));

        var start = new ProcessStartInfo("bash", [script]) { WorkingDirectory = directory.FullName };
        start.Environment["PATH"] = bin.FullName + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        if (bootstrap is null)
            start.Environment.Remove("TRIBUTARY_BOOTSTRAP");
        else
            start.Environment["TRIBUTARY_BOOTSTRAP"] = bootstrap;
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, Patience, "The sequence");
        var result = new ShellResult(exitCode, stdout, stderr);
        directory.Delete(recursive: true);
        return result;
    }
}
