using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tributary.Interop.Tests.Drivers;

/// <summary>
/// Drives kcat (Debian's build on librdkafka 2.0.2). kcat has no admin commands, so topics for it are
/// created through the cluster; everything else goes through kcat itself. <paramref name="properties"/> are
/// librdkafka properties (name=value) given to every command, for example the protocol generation to pin.
/// </summary>
public sealed partial class KcatDriver(string name = "kcat", params string[] properties) : IClientDriver
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>kcat with librdkafka's defaults.</summary>
    public static KcatDriver Instance { get; } = new();

    /// <summary>
    /// kcat pinned to the protocol of Kafka <paramref name="brokerVersion"/> (librdkafka's broker.version.fallback,
    /// without asking ApiVersions), named <paramref name="label"/>, with <paramref name="extraProperties"/>.
    /// </summary>
    public static KcatDriver Speaking(string brokerVersion, string label, params string[] extraProperties) =>
        new(label, ["api.version.request=false", $"broker.version.fallback={brokerVersion}", .. extraProperties]);

    private IEnumerable<string> Options => properties.SelectMany(p => new[] { "-X", p });

    /// <summary>Not supported by kcat: the scenario creates the topic through the cluster instead.</summary>
    public Task CreateTopicAsync(string bootstrap, string topic, int partitions, short replicationFactor) =>
        throw new NotSupportedException("kcat has no admin API.");

    /// <inheritdoc />
    public async Task ProduceAsync(string bootstrap, string topic, int start, int count)
    {
        var lines = new StringBuilder();
        for (var i = start; i < start + count; i++) lines.Append(CultureInfo.InvariantCulture, $"key-{i}:value-{i}\n");
        var result = await ExternalClient.RunAsync("kcat",
            ["-P", "-b", bootstrap, "-t", topic, "-K", ":", "-H", "origin=kcat", "-X", "acks=all", .. Options], Timeout, lines.ToString());
        result.EnsureSuccess("kcat -P");
    }

    /// <inheritdoc />
    public async Task<ConsumeResult> ConsumeAsync(string bootstrap, string topic, string group, int expected, bool commit, TimeSpan minimumDuration)
    {
        string[] kcat = ["kcat", "-b", bootstrap, "-G", group, topic, "-J",
            "-X", "auto.offset.reset=earliest", "-X", $"enable.auto.commit={(commit ? "true" : "false")}",
            "-X", "session.timeout.ms=10000", "-X", "heartbeat.interval.ms=500", .. Options];
        // kcat stops by itself after a count or at the end of its partitions; to stay in the group for a
        // while (so that a second member can join), it is run under `timeout`, which stops it with SIGINT,
        // on which kcat leaves the group cleanly and commits.
        string[] command = minimumDuration > TimeSpan.Zero
            ? ["timeout", "-s", "INT", ((int)minimumDuration.TotalSeconds).ToString(CultureInfo.InvariantCulture), .. kcat]
            : expected > 0 ? [.. kcat, "-c", expected.ToString(CultureInfo.InvariantCulture)] : [.. kcat, "-e"];
        var result = await ExternalClient.RunAsync(command[0], command[1..], Timeout);
        if (result.ExitCode != 0 && result.ExitCode != 124) result.EnsureSuccess("kcat -G");
        var records = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith('{'))
            .Select(ParseRecord)
            .ToList();
        return new ConsumeResult(records, Assignments(result.StandardError, topic));
    }

    private static ConsumedRecord ParseRecord(string line)
    {
        var json = JsonDocument.Parse(line).RootElement;
        var headers = new Dictionary<string, string>();
        if (json.TryGetProperty("headers", out var flat) && flat.ValueKind == JsonValueKind.Array)
        {
            var items = flat.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
            for (var i = 0; i + 1 < items.Length; i += 2) headers[items[i]] = items[i + 1];
        }
        return new ConsumedRecord(
            json.GetProperty("partition").GetInt32(),
            json.GetProperty("offset").GetInt64(),
            json.GetProperty("key").GetString(),
            json.GetProperty("payload").GetString(),
            headers,
            json.TryGetProperty("ts", out var timestamp) ? timestamp.GetInt64() : null);
    }

    /// <summary>kcat reports each rebalance on stderr ("... assigned: topic [0], topic [2]").</summary>
    private static List<IReadOnlyList<int>> Assignments(string stderr, string topic) =>
        stderr.Split('\n')
            .Where(line => line.Contains("assigned:", StringComparison.Ordinal))
            .Select(line => (IReadOnlyList<int>)PartitionPattern().Matches(line[line.IndexOf("assigned:", StringComparison.Ordinal)..])
                .Where(m => m.Groups["topic"].Value == topic)
                .Select(m => int.Parse(m.Groups["partition"].Value, CultureInfo.InvariantCulture))
                .Order()
                .ToList())
            .ToList();

    [GeneratedRegex(@"(?<topic>[\w.-]+) \[(?<partition>\d+)\]")]
    private static partial Regex PartitionPattern();

    /// <inheritdoc />
    public override string ToString() => name;
}
