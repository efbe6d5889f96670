using System.Diagnostics;
using System.Text.Json;

namespace Tributary.Interop.Tests;

/// <summary>
/// Runs a Kafka client we did not write (kcat, kafka-python, kafkajs, confluent-kafka-python, Sarama) as a child
/// process and returns what it printed. A non-zero exit or a hang fails the test with the client's own output.
/// </summary>
internal static class ExternalClient
{
    /// <summary>The folder holding the scripts and node_modules, copied beside the test assembly's source.</summary>
    public static string ScriptRoot { get; } = FindScriptRoot();

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            WorkingDirectory = ScriptRoot,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in {timeout}. stderr: {await stderr}");
        }
        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        return result;
    }

    /// <summary>Runs a command and parses the last stdout line as JSON, failing on a non-zero exit.</summary>
    public static async Task<JsonElement> RunJsonAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var result = await RunAsync(fileName, arguments, timeout);
        result.EnsureSuccess(fileName);
        var lastLine = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonDocument.Parse(lastLine).RootElement;
    }

    private static string FindScriptRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Tributary.Interop.Tests");
            if (Directory.Exists(Path.Combine(candidate, "python"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/Tributary.Interop.Tests not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>What a finished client process printed.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public void EnsureSuccess(string what)
    {
        if (ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{what} exited with {ExitCode}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
    }
}
