using System.Diagnostics;

namespace Tributary.Docs.Tests;

/// <summary>The examples run without a cluster of one's own, fail in one line against an unreachable one, and the README lists them all.</summary>
public sealed class ExampleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_example_without_arguments_starts_an_embedded_cluster_and_says_so()
    {
        var (exitCode, stdout, stderr) = await RunAsync("Consume");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.StartsWith("No bootstrap servers given: started an embedded Kafka cluster at 127.0.0.1:", stdout);
        Assert.Contains("Consumed 10 messages from greetings.", stdout);
    }

    [Fact]
    public async Task An_example_given_an_unreachable_cluster_fails_in_one_line()
    {
        var (exitCode, stdout, stderr) = await RunAsync("Produce", "127.0.0.1:1");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Cannot reach Kafka at 127.0.0.1:1 within 10 s", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(stdout);
    }

    [Fact]
    public void The_readme_lists_every_example()
    {
        var examples = Directory.GetDirectories(Path.Combine(Markdown.RepositoryRoot, "examples"))
            .Select(Path.GetFileName)
            .Where(name => File.Exists(Path.Combine(Markdown.RepositoryRoot, "examples", name!, name + ".csproj")))
            .ToList();
        var readme = File.ReadAllText(Path.Combine(Markdown.RepositoryRoot, "README.md"));

        Assert.Equal(5, examples.Count);
        Assert.All(examples, name => Assert.Contains($"| `{name}` |", readme));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string example, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(Markdown.RepositoryRoot, "examples", example, "bin", configuration, "net10.0", example + ".dll");
        Assert.True(File.Exists(dll), $"The example is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet", [dll, .. args]) { WorkingDirectory = Path.GetTempPath() };
        return await ChildProcess.RunAsync(start, Patience, example);
    }
}
