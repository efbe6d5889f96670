using System.Diagnostics;

namespace Tributary.Cli.Tests;

/// <summary>What a run of the command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the built <c>tributary</c> command as a separate process, as a user would.</summary>
public static class CliRunner
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The repository's root (where Tributary.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The build configuration of this test run (Debug or Release), read from the test assembly's folder.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The command's built assembly (the test project references the CLI project, so it is built first).</summary>
    public static string CommandPath { get; } = Path.Combine(RepositoryRoot, "src", "Tributary.Cli", "bin", Configuration, "net10.0", "tributary.dll");

    /// <summary>Runs <c>tributary args</c> with <paramref name="bootstrap"/> as TRIBUTARY_BOOTSTRAP (unset when null) and <paramref name="stdin"/> as input.</summary>
    public static async Task<CliResult> RunAsync(string? bootstrap, string? stdin, params string[] args)
    {
        using var process = Start(bootstrap, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tributary {string.Join(' ', args)} did not finish in {Patience}; stderr: {await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>tributary args</c> with its standard streams redirected; the caller waits for it.</summary>
    public static Process Start(string? bootstrap, params string[] args) => StartWithEnvironment(new Dictionary<string, string>(), bootstrap, args);

    /// <summary>Starts <c>tributary args</c> with <paramref name="environment"/> added to this process's environment.</summary>
    public static Process StartWithEnvironment(IReadOnlyDictionary<string, string> environment, string? bootstrap, params string[] args)
    {
        Assert.True(File.Exists(CommandPath), $"The command is not built at {CommandPath}.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CommandPath);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        if (bootstrap is null)
            start.Environment.Remove("TRIBUTARY_BOOTSTRAP");
        else
            start.Environment["TRIBUTARY_BOOTSTRAP"] = bootstrap;
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>Sends SIGTERM, as a service manager or <c>docker stop</c> would.</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]);
        kill.WaitForExit();
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Tributary.slnx")))
                return directory.FullName;
        throw new InvalidOperationException($"No Tributary.slnx above {AppContext.BaseDirectory}.");
    }
}
