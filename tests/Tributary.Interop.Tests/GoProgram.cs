using System.Text.Json;

namespace Tributary.Interop.Tests;

/// <summary>
/// A Go program under go/&lt;name&gt;/main.go that drives a Go Kafka client from Debian, built once per test run with
/// Debian's Go in GOPATH mode (offline, from /usr/share/gocode). Each subcommand prints one JSON object.
/// </summary>
internal sealed class GoProgram(string name)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly Lazy<Task<string>> _binary = new(() => BuildAsync(name));

    /// <summary>Builds the program if this run has not yet (go build itself skips the work when nothing changed).</summary>
    public Task<string> BuildOnceAsync() => _binary.Value;

    private static async Task<string> BuildAsync(string name)
    {
        var output = Path.Combine(AppContext.BaseDirectory, name);
        var environment = new Dictionary<string, string>
        {
            ["GO111MODULE"] = "off",
            ["GOPATH"] = "/usr/share/gocode",
            ["GOFLAGS"] = "",
            ["GOCACHE"] = Environment.GetEnvironmentVariable("GOCACHE") is { Length: > 0 } cache ? cache : Path.Combine(Path.GetTempPath(), "tributary-go-build"),
        };
        var result = await ExternalClient.RunAsync("go", ["build", "-o", output, $"go/{name}/main.go"], TimeSpan.FromMinutes(3), environment: environment);
        result.EnsureSuccess($"go build go/{name}");
        return output;
    }

    /// <summary>Runs the program with <paramref name="arguments"/> (a subcommand first); fails the test if it fails.</summary>
    public async Task<JsonElement> RunAsync(params string[] arguments)
    {
        var result = await TryRunAsync(arguments);
        result.EnsureSuccess($"{name} {string.Join(' ', arguments)}");
        return JsonDocument.Parse(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;
    }

    /// <summary>Runs the program and returns what it printed, for a step that is expected to fail.</summary>
    public async Task<ProcessResult> TryRunAsync(params string[] arguments) =>
        await ExternalClient.RunAsync(await BuildOnceAsync(), arguments, Timeout);
}
