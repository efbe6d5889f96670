using System.Globalization;
using System.Text.Json;
using Tributary.Broker;
using Tributary.Protocol.Messages;

namespace Tributary.Interop.Tests.NodeClients;

/// <summary>One 3-broker cluster without topic auto-creation, shared by the tests of one JavaScript client.</summary>
public sealed class ThreeBrokerCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, AutoCreateTopics = false });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Runs one of the node/ scripts against a cluster and reads what it printed.</summary>
internal static class NodeScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="script"/> <paramref name="command"/> on <paramref name="topic"/> (its group is
    /// <c>{topic}-group</c>, replication 3, at most 30 s of waiting inside the script) and parses its JSON line.
    /// </summary>
    public static Task<JsonElement> RunAsync(string script, string command, EmbeddedKafkaCluster cluster, string topic, params string[] arguments) =>
        ExternalClient.RunJsonAsync("node", [$"node/{script}", command, "--bootstrap", cluster.BootstrapServers,
            "--topic", topic, "--group", $"{topic}-group", "--replication", "3", "--max-seconds", "30", .. arguments], Timeout);

    /// <summary>A topic name of 24 characters, unique per test run: the client's prefix, the purpose, a guid.</summary>
    public static string Unique(string prefix, string purpose) => $"{prefix}-{purpose}-{Guid.NewGuid():N}"[..24];

    public static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(v => v.GetString()!).ToList();

    public static List<int> Ints(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToList();

    /// <summary>prefix-0 .. prefix-(count-1), the values the scripts produce.</summary>
    public static IEnumerable<string> Values(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}");
}

/// <summary>
/// What the node scripts report besides their results: <c>apiVersions</c>, each API key the client sent with the
/// versions it sent it at.
/// </summary>
internal static class SentApiVersions
{
    public static Dictionary<ApiKey, List<short>> Of(JsonElement result) =>
        result.GetProperty("apiVersions").EnumerateObject().ToDictionary(
            k => (ApiKey)short.Parse(k.Name, CultureInfo.InvariantCulture), k => k.Value.EnumerateArray().Select(v => v.GetInt16()).ToList());

    /// <summary>The client sent each API at the version given (among any others it used).</summary>
    public static void AssertSentAt(JsonElement result, params (ApiKey Api, short Version)[] expected)
    {
        var sent = Of(result);
        Assert.All(expected, e => Assert.True(sent.TryGetValue(e.Api, out var versions) && versions.Contains(e.Version),
            $"{e.Api} was sent at [{string.Join(", ", sent.GetValueOrDefault(e.Api) ?? [])}], not v{e.Version}"));
    }
}
