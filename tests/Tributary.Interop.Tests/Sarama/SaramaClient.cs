using System.Text.Json;

namespace Tributary.Interop.Tests.Sarama;

/// <summary>
/// Sarama 1.22.1 (Debian's golang-github-shopify-sarama-dev) through go/sarama-client/main.go.
/// Sarama does not ask ApiVersions: the Kafka version it is given (its cfg.Version) picks the API versions it speaks,
/// e.g. for 0.10.2 Produce v2 with message format 1, Fetch v3, Metadata v1; for 2.1 Produce v3, Fetch v4, Metadata v5;
/// for both JoinGroup v1, SyncGroup v0, OffsetCommit v1 and OffsetFetch v1.
/// </summary>
internal static class SaramaClient
{
    private static readonly GoProgram Program = new("sarama-client");

    /// <summary>Builds the client if this run has not yet.</summary>
    public static Task<string> BuildOnceAsync() => Program.BuildOnceAsync();

    /// <summary>Runs <paramref name="command"/> speaking Kafka <paramref name="version"/>; fails the test if the client fails.</summary>
    public static Task<JsonElement> RunAsync(string command, string bootstrap, string version, params string[] arguments) =>
        Program.RunAsync([command, "-bootstrap", bootstrap, "-version", version, .. arguments]);

    /// <summary>Runs <paramref name="command"/> and returns what it printed, for a step that is expected to fail.</summary>
    public static Task<ProcessResult> TryRunAsync(string command, string bootstrap, string version, params string[] arguments) =>
        Program.TryRunAsync([command, "-bootstrap", bootstrap, "-version", version, .. arguments]);
}
