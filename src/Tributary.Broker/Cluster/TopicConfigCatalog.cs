namespace Tributary.Broker.Cluster;

/// <summary>
/// Every topic-level config Kafka 4 knows, with Kafka's defaults and the broker configs behind them, plus the two
/// Kafka 3.x configs about old message formats (message.format.version, message.downconversion.enable).
/// </summary>
internal static class TopicConfigCatalog
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string CompressionType = "compression.type";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string MessageDownConversionEnable = "message.downconversion.enable";
    public const string MessageTimestampAfterMaxMs = "message.timestamp.after.max.ms";
    public const string MessageTimestampBeforeMaxMs = "message.timestamp.before.max.ms";
    public const string MinInsyncReplicas = "min.insync.replicas";
    public const string RetentionBytes = "retention.bytes";
    public const string RetentionMs = "retention.ms";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";
    public const string DeleteRetentionMs = "delete.retention.ms";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";
    public const string MaxCompactionLagMs = "max.compaction.lag.ms";
    public const string MinCleanableDirtyRatio = "min.cleanable.dirty.ratio";
    public const string UncleanLeaderElectionEnable = "unclean.leader.election.enable";

    private const string LongMax = "9223372036854775807";

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        new(CleanupPolicy, ConfigType.List, "delete", "Retention policy for old log segments: delete, compact, or both.", "log.cleanup.policy", ["delete", "compact"]),
        new(CompressionType, ConfigType.String, "producer", "Final compression type of the topic; producer keeps the producer's codec.", "compression.type", ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
        new("compression.gzip.level", ConfigType.Int, "-1", "Compression level for gzip.", "compression.gzip.level"),
        new("compression.lz4.level", ConfigType.Int, "9", "Compression level for lz4.", "compression.lz4.level"),
        new("compression.zstd.level", ConfigType.Int, "3", "Compression level for zstd.", "compression.zstd.level"),
        new(DeleteRetentionMs, ConfigType.Long, "86400000", "How long delete tombstones are kept in compacted topics.", "log.cleaner.delete.retention.ms"),
        new("file.delete.delay.ms", ConfigType.Long, "60000", "Time to wait before deleting a file from the filesystem.", "log.segment.delete.delay.ms"),
        new("flush.messages", ConfigType.Long, LongMax, "Messages between forced fsyncs of the log.", "log.flush.interval.messages"),
        new("flush.ms", ConfigType.Long, LongMax, "Time between forced fsyncs of the log.", "log.flush.interval.ms"),
        new("follower.replication.throttled.replicas", ConfigType.List, "", "Replicas whose log replication is throttled on the follower side."),
        new("index.interval.bytes", ConfigType.Int, "4096", "How often an offset index entry is added.", "log.index.interval.bytes"),
        new("leader.replication.throttled.replicas", ConfigType.List, "", "Replicas whose log replication is throttled on the leader side."),
        new("local.retention.bytes", ConfigType.Long, "-2", "Local log size kept before deletion when tiered storage is on.", "log.local.retention.bytes"),
        new("local.retention.ms", ConfigType.Long, "-2", "Local log age kept before deletion when tiered storage is on.", "log.local.retention.ms"),
        new(MaxCompactionLagMs, ConfigType.Long, LongMax, "Maximum time a message stays ineligible for compaction.", "log.cleaner.max.compaction.lag.ms"),
        new(MaxMessageBytes, ConfigType.Int, "1048588", "Largest record batch size allowed.", "message.max.bytes", Minimum: 0),
        new(MessageDownConversionEnable, ConfigType.Boolean, "true", "Whether fetches older than record batches (Fetch v0-3) are answered by converting records down; if false they get UNSUPPORTED_VERSION.", "log.message.downconversion.enable"),
        new("message.format.version", ConfigType.String, MessageFormatVersion.Default, "[Deprecated] The message format version; ignored as in Kafka 3.x from inter-broker protocol 3.0: every batch is stored in format 2.", "log.message.format.version", Validator: MessageFormatVersion.IsValid),
        new(MessageTimestampAfterMaxMs, ConfigType.Long, "3600000", "How far a message timestamp may lie after the broker time.", "log.message.timestamp.after.max.ms"),
        new(MessageTimestampBeforeMaxMs, ConfigType.Long, LongMax, "How far a message timestamp may lie before the broker time.", "log.message.timestamp.before.max.ms"),
        new(MessageTimestampType, ConfigType.String, "CreateTime", "Whether the timestamp is the producer's (CreateTime) or the broker's (LogAppendTime).", "log.message.timestamp.type", ["CreateTime", "LogAppendTime"]),
        new(MinCleanableDirtyRatio, ConfigType.Double, "0.5", "Dirty ratio that triggers compaction.", "log.cleaner.min.cleanable.ratio"),
        new(MinCompactionLagMs, ConfigType.Long, "0", "Minimum time a message stays uncompacted.", "log.cleaner.min.compaction.lag.ms"),
        new(MinInsyncReplicas, ConfigType.Int, "1", "Minimum in-sync replicas for a write with acks=all to succeed.", "min.insync.replicas", Minimum: 1),
        new("preallocate", ConfigType.Boolean, "false", "Whether segment files are preallocated.", "log.preallocate"),
        new("remote.log.copy.disable", ConfigType.Boolean, "false", "Whether copying to tiered storage is disabled."),
        new("remote.log.delete.on.disable", ConfigType.Boolean, "false", "Whether tiered data is deleted when tiering is disabled."),
        new("remote.storage.enable", ConfigType.Boolean, "false", "Whether tiered storage is enabled."),
        new(RetentionBytes, ConfigType.Long, "-1", "Largest size a partition's log may grow to before old data is deleted; -1 for no limit.", "log.retention.bytes"),
        new(RetentionMs, ConfigType.Long, "604800000", "How long data is kept before it is deleted; -1 for no limit.", "log.retention.ms", Minimum: -1),
        new(SegmentBytes, ConfigType.Int, "1073741824", "Segment file size of the log.", "log.segment.bytes"),
        new("segment.index.bytes", ConfigType.Int, "10485760", "Size of the offset index.", "log.index.size.max.bytes"),
        new("segment.jitter.ms", ConfigType.Long, "0", "Random jitter subtracted from segment.ms.", "log.roll.jitter.ms"),
        new(SegmentMs, ConfigType.Long, "604800000", "Time after which a segment is rolled.", "log.roll.ms"),
        new(UncleanLeaderElectionEnable, ConfigType.Boolean, "false", "Whether out-of-sync replicas may become leader.", "unclean.leader.election.enable"),
    ];

    private static readonly Dictionary<string, ConfigDefinition> ByName = All.ToDictionary(d => d.Name);

    /// <summary>The definition of <paramref name="name"/>, or null for a config Kafka does not know.</summary>
    public static ConfigDefinition? Find(string name) => ByName.GetValueOrDefault(name);
}
