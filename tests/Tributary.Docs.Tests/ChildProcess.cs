using System.Diagnostics;

namespace Tributary.Docs.Tests;

/// <summary>Runs a program to its end for a documentation test, failing the test when it outlives its patience.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Starts <paramref name="start"/> (with stdout and stderr redirected), waits up to <paramref name="patience"/> and
    /// returns its exit code and output; past that the process tree is killed and the test fails, naming
    /// <paramref name="what"/> and showing what it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, TimeSpan patience, string what)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{what} did not finish within {patience}; stdout:\n{await stdout}\nstderr:\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
