using System.Globalization;
using System.Text.Json;

namespace Tributary.Interop.Tests.Drivers;

/// <summary>
/// Drives a client through a script of ours that uses it (python/kafka_python_client.py, node/kafkajs-client.js,
/// node/kafka-node-client.js): subcommands create-topic, produce and consume, each printing one JSON object.
/// <paramref name="options"/> are passed to every command (for example the protocol generation to pin).
/// </summary>
public sealed class ScriptDriver(string name, string interpreter, string script, params string[] options) : IClientDriver
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>kafka-python 2.0.2 from Debian, run by the system python that Debian installed it for.</summary>
    public static ScriptDriver KafkaPython { get; } = new("kafka-python", "/usr/bin/python3", "python/kafka_python_client.py");

    /// <summary>kafkajs 2.2.4 from npm.</summary>
    public static ScriptDriver KafkaJs { get; } = new("kafkajs", "node", "node/kafkajs-client.js");

    /// <summary>kafka-node 5.0.0 from npm: Kafka 0.9-0.10 protocol, message formats 0 and 1; no create-topic.</summary>
    public static ScriptDriver KafkaNode { get; } = new("kafka-node", "node", "node/kafka-node-client.js");

    /// <summary>The same client named <paramref name="label"/>, with <paramref name="extraOptions"/> added to every command.</summary>
    public ScriptDriver With(string label, params string[] extraOptions) => new(label, interpreter, script, [.. options, .. extraOptions]);

    private Task<JsonElement> RunAsync(string command, params string[] arguments) =>
        ExternalClient.RunJsonAsync(interpreter, [script, command, .. arguments, .. options], Timeout);

    /// <inheritdoc />
    public Task CreateTopicAsync(string bootstrap, string topic, int partitions, short replicationFactor) =>
        RunAsync("create-topic", "--bootstrap", bootstrap, "--topic", topic,
            "--partitions", Text(partitions), "--replication", Text(replicationFactor));

    /// <inheritdoc />
    public async Task ProduceAsync(string bootstrap, string topic, int start, int count)
    {
        var result = await RunAsync("produce", "--bootstrap", bootstrap, "--topic", topic, "--start", Text(start), "--count", Text(count));
        Assert.Equal(count, result.GetProperty("produced").GetInt32());
    }

    /// <inheritdoc />
    public async Task<ConsumeResult> ConsumeAsync(string bootstrap, string topic, string group, int expected, bool commit, TimeSpan minimumDuration)
    {
        var result = await RunAsync("consume", "--bootstrap", bootstrap, "--topic", topic, "--group", group,
            "--count", Text(expected), "--commit", commit ? "true" : "false",
            "--min-seconds", minimumDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        var records = result.GetProperty("records").EnumerateArray().Select(r => new ConsumedRecord(
            r.GetProperty("partition").GetInt32(),
            r.GetProperty("offset").GetInt64(),
            r.GetProperty("key").GetString(),
            r.GetProperty("value").GetString(),
            r.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!),
            r.TryGetProperty("timestamp", out var timestamp) && timestamp.ValueKind == JsonValueKind.Number ? timestamp.GetInt64() : null)).ToList();
        var assignments = result.GetProperty("assignments").EnumerateArray()
            .Select(a => (IReadOnlyList<int>)a.EnumerateArray().Select(p => p.GetInt32()).ToList()).ToList();
        return new ConsumeResult(records, assignments);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => name;
}
