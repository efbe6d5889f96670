using System.Globalization;
using Tributary.Broker.Log;
using Tributary.Broker.Log.Storage;

namespace Tributary.Broker.Cluster;

/// <summary>
/// The configs of one topic: the overrides set at creation or by AlterConfigs, and the effective values the
/// log reads on every produce (parsed once here). Immutable: a change makes a new instance.
/// </summary>
internal sealed class TopicConfig
{
    /// <summary>A topic with no overrides: every value is Kafka's default.</summary>
    public static TopicConfig Defaults { get; } = new(new Dictionary<string, string>(), new Dictionary<string, (string, ConfigSource)>());

    // By topic config name: the broker config's value and whether it is static or a dynamic cluster default.
    private readonly IReadOnlyDictionary<string, (string Value, ConfigSource Source)> _brokerDefaults;

    private TopicConfig(IReadOnlyDictionary<string, string> overrides, IReadOnlyDictionary<string, (string Value, ConfigSource Source)> brokerDefaults)
    {
        Overrides = overrides;
        _brokerDefaults = brokerDefaults;
        RetentionMs = ParseLong(TopicConfigCatalog.RetentionMs);
        RetentionBytes = ParseLong(TopicConfigCatalog.RetentionBytes);
        MaxMessageBytes = (int)ParseLong(TopicConfigCatalog.MaxMessageBytes);
        MinInsyncReplicas = (int)ParseLong(TopicConfigCatalog.MinInsyncReplicas);
        MaxTimestampAheadMs = ParseLong(TopicConfigCatalog.MessageTimestampAfterMaxMs);
        MaxTimestampBehindMs = ParseLong(TopicConfigCatalog.MessageTimestampBeforeMaxMs);
        UseLogAppendTime = string.Equals(Value(TopicConfigCatalog.MessageTimestampType), "LogAppendTime", StringComparison.OrdinalIgnoreCase);
        DownConversionEnabled = bool.Parse(Value(TopicConfigCatalog.MessageDownConversionEnable)!);
        CompressionType = Value(TopicConfigCatalog.CompressionType)!.ToLowerInvariant();
        UncleanLeaderElectionEnable = bool.Parse(Value(TopicConfigCatalog.UncleanLeaderElectionEnable)!);
        SegmentBytes = ParseLong(TopicConfigCatalog.SegmentBytes);
        SegmentMs = ParseLong(TopicConfigCatalog.SegmentMs);
        FileSettings = new LogFileSettings(ParseLong("flush.messages"), ParseLong("flush.ms"), (int)ParseLong("index.interval.bytes"));
        var policies = Value(TopicConfigCatalog.CleanupPolicy)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        IsCompacted = policies.Contains("compact", StringComparer.OrdinalIgnoreCase);
        DeletesOldSegments = policies.Contains("delete", StringComparer.OrdinalIgnoreCase);
        Cleaning = new CleanerSettings(ParseLong(TopicConfigCatalog.DeleteRetentionMs), ParseLong(TopicConfigCatalog.MinCompactionLagMs),
            ParseLong(TopicConfigCatalog.MaxCompactionLagMs),
            double.Parse(Value(TopicConfigCatalog.MinCleanableDirtyRatio)!, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A topic with no overrides whose defaults are the broker's configs where set (by broker config name, e.g.
    /// log.retention.ms, with their source: static or dynamic cluster default), else Kafka's.
    /// </summary>
    public static TopicConfig WithBrokerDefaults(IReadOnlyDictionary<string, (string Value, ConfigSource Source)> brokerConfigs) =>
        new(new Dictionary<string, string>(), TopicConfigCatalog.All
            .Where(d => d.BrokerSynonym is not null && brokerConfigs.ContainsKey(d.BrokerSynonym))
            .ToDictionary(d => d.Name, d => brokerConfigs[d.BrokerSynonym!]));

    /// <summary>This topic's overrides over the broker defaults of <paramref name="defaults"/> (after a dynamic broker config change).</summary>
    public TopicConfig Rebase(TopicConfig defaults) => new(Overrides, defaults._brokerDefaults);

    /// <summary>The configs set on this topic (name to value).</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; }

    /// <summary>flush.messages, flush.ms and index.interval.bytes: how a log in a data directory writes its files.</summary>
    public LogFileSettings FileSettings { get; }

    /// <summary>retention.ms: how long batches are kept (negative: forever).</summary>
    public long RetentionMs { get; }

    /// <summary>retention.bytes: the size a partition log is trimmed to (negative: unlimited).</summary>
    public long RetentionBytes { get; }

    /// <summary>max.message.bytes: the largest batch a produce may carry.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>min.insync.replicas: the live replicas an acks=all produce needs.</summary>
    public int MinInsyncReplicas { get; }

    /// <summary>message.timestamp.after.max.ms: how far in the future a CreateTime timestamp may be.</summary>
    public long MaxTimestampAheadMs { get; }

    /// <summary>message.timestamp.before.max.ms: how far in the past a CreateTime timestamp may be.</summary>
    public long MaxTimestampBehindMs { get; }

    /// <summary>True when message.timestamp.type is LogAppendTime.</summary>
    public bool UseLogAppendTime { get; }

    /// <summary>compression.type, lower case: a codec name, "uncompressed" or "producer".</summary>
    public string CompressionType { get; }

    /// <summary>message.downconversion.enable: whether fetches in the old message formats are answered.</summary>
    public bool DownConversionEnabled { get; }

    /// <summary>unclean.leader.election.enable: whether an out-of-sync replica may lead when no in-sync one is alive.</summary>
    public bool UncleanLeaderElectionEnable { get; }

    /// <summary>segment.bytes: the size at which a partition's active segment is rolled.</summary>
    public long SegmentBytes { get; }

    /// <summary>segment.ms: how long after its first batch's timestamp a segment is rolled.</summary>
    public long SegmentMs { get; }

    /// <summary>cleanup.policy contains compact: the cleaner keeps the latest record per key and keyless records are refused.</summary>
    public bool IsCompacted { get; }

    /// <summary>cleanup.policy contains delete: retention.ms and retention.bytes delete old segments.</summary>
    public bool DeletesOldSegments { get; }

    /// <summary>The cleaner's configs (delete.retention.ms, min/max.compaction.lag.ms, min.cleanable.dirty.ratio).</summary>
    public CleanerSettings Cleaning { get; }

    /// <summary>The effective value of a known config and where it comes from.</summary>
    public (string? Value, ConfigSource Source) Resolve(ConfigDefinition definition) =>
        Overrides.TryGetValue(definition.Name, out var value) ? (value, ConfigSource.TopicConfig)
        : _brokerDefaults.TryGetValue(definition.Name, out var brokerValue) ? brokerValue
        : (definition.DefaultValue, ConfigSource.DefaultConfig);

    /// <summary>Every topic config with its effective value and source, as DescribeConfigs lists them.</summary>
    public IEnumerable<DescribedConfig> Describe() => TopicConfigCatalog.All.Select(d =>
    {
        var (value, source) = Resolve(d);
        return new DescribedConfig(d, value, source);
    });

    /// <summary>Returns a config with <paramref name="changes"/> applied: a null value removes the override.</summary>
    public TopicConfig With(IEnumerable<KeyValuePair<string, string?>> changes)
    {
        var overrides = new Dictionary<string, string>(Overrides);
        foreach (var (name, value) in changes)
        {
            if (value is null) overrides.Remove(name);
            else overrides[name] = value;
        }
        return new TopicConfig(overrides, _brokerDefaults);
    }

    /// <summary>Checks names and values; returns why a change is invalid, or null when all are fine.</summary>
    public static string? Validate(IEnumerable<KeyValuePair<string, string?>> changes)
    {
        foreach (var (name, value) in changes)
        {
            var definition = TopicConfigCatalog.Find(name);
            if (definition is null) return $"Unknown topic config name: {name}";
            if (value is not null && definition.Problem(value) is { } problem) return problem;
        }
        return null;
    }

    private string? Value(string name) => Resolve(TopicConfigCatalog.Find(name)!).Value;

    private long ParseLong(string name) => long.Parse(Value(name)!, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
