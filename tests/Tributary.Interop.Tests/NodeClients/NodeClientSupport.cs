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
