using System.Text.Json;

namespace Tributary.Interop.Tests.Sarama;

/// <summary>
/// Sarama 1.22.1 (Debian's golang-github-shopify-sarama-dev) through go/sarama-client/main.go, built once per test
/// run with Debian's Go in GOPATH mode (offline, from /usr/share/gocode). Each subcommand prints one JSON object.
/// Sarama does not ask ApiVersions: the Kafka version it is given (its cfg.Version) picks the API versions it speaks,
/// e.g. for 0.10.2 Produce v2 with message format 1, Fetch v3, Metadata v1; for 2.1 Produce v3, Fetch v4, Metadata v5;
/// for both JoinGroup v1, SyncGroup v0, OffsetCommit v1 and OffsetFetch v1.
/// </summary>
internal static class SaramaClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    /// <summary>Builds the client if this run has not yet (go build itself skips the work when nothing changed).</summary>
    public static Task<string> BuildOnceAsync() => Binary.Value;

    private static async Task<string> BuildAsync()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "sarama-client");
        var environment = new Dictionary<string, string>
        {
            ["GO111MODULE"] = "off",
            ["GOPATH"] = "/usr/share/gocode",
            ["GOFLAGS"] = "",
            ["GOCACHE"] = Environment.GetEnvironmentVariable("GOCACHE") is { Length: > 0 } cache ? cache : Path.Combine(Path.GetTempPath(), "tributary-go-build"),
        };
        var result = await ExternalClient.RunAsync("go", ["build", "-o", output, "go/sarama-client/main.go"], TimeSpan.FromMinutes(3), environment: environment);
        result.EnsureSuccess("go build go/sarama-client");
        return output;
    }

    /// <summary>Runs <paramref name="command"/> speaking Kafka <paramref name="version"/>; fails the test if the client fails.</summary>
    public static async Task<JsonElement> RunAsync(string command, string bootstrap, string version, params string[] arguments)
    {
        var result = await TryRunAsync(command, bootstrap, version, arguments);
        result.EnsureSuccess($"sarama-client {command} -version {version}");
        return JsonDocument.Parse(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;
    }

    /// <summary>Runs <paramref name="command"/> and returns what it printed, for a step that is expected to fail.</summary>
    public static async Task<ProcessResult> TryRunAsync(string command, string bootstrap, string version, params string[] arguments) =>
        await ExternalClient.RunAsync(await BuildOnceAsync(), [command, "-bootstrap", bootstrap, "-version", version, .. arguments], Timeout);
}
