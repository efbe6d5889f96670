using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Log.Storage;

/// <summary>
/// A cluster's data directory: one log directory per broker, <c>broker-&lt;id&gt;/</c>, holding a directory per partition
/// replica (<see cref="PartitionFiles"/>), Kafka's per-directory checkpoint files <c>replication-offset-checkpoint</c>
/// (each replica's high watermark) and <c>log-start-offset-checkpoint</c> (log start offsets moved inside a segment
/// by DeleteRecords or retention) and, after a clean shutdown, Kafka's <c>.kafka_cleanshutdown</c> marker; and the
/// cluster metadata file (<c>cluster-metadata.json</c>, written by the cluster's metadata store).
/// </summary>
/// <remarks>
/// The marker is read and removed the first time a broker's directory is used, so from then on a crash leaves no
/// marker and the next start recovers the logs in full; <see cref="MarkCleanShutdown"/> writes it once every log is
/// closed. The checkpoints are written by <see cref="WriteCheckpoints"/> (every few seconds and at a clean shutdown,
/// as Kafka) and read when the logs are restored. Kafka's third, <c>recovery-point-offset-checkpoint</c>, is not
/// needed: a segment is forced to disk when the log rolls past it, so recovery after a crash reads only the last one.
/// Thread-safe (its own lock, taken after the controller's: lock order controller -> storage -> replica log).
/// </remarks>
internal sealed class LogStorage
{
    /// <summary>Kafka's clean shutdown marker, in each broker's log directory.</summary>
    public const string CleanShutdownMarker = ".kafka_cleanshutdown";

    /// <summary>Kafka's checkpoint of each replica's high watermark, in each broker's log directory.</summary>
    public const string ReplicationOffsetCheckpoint = "replication-offset-checkpoint";

    /// <summary>Kafka's checkpoint of the log start offsets that are not a segment's base offset, in each broker's log directory.</summary>
    public const string LogStartOffsetCheckpoint = "log-start-offset-checkpoint";

    private readonly Lock _lock = new();
    private readonly Dictionary<int, bool> _cleanShutdown = new(); // by broker: read once, then the marker is gone
    private readonly HashSet<string> _opened = new(StringComparer.Ordinal);
    // Every replica log opened, by broker, for the checkpoints; and what each checkpoint file last received.
    private readonly Dictionary<int, Dictionary<(string Topic, int Partition), PartitionLog>> _logs = new();
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
    // The checkpointed offsets of each broker's replicas, read when its first log is restored; none once restored.
    private readonly Dictionary<int, Dictionary<(string Topic, int Partition), CheckpointedOffsets>> _checkpointed = new();
    private bool _restored;
    private readonly ILogger _logger;

    /// <param name="root">The data directory (created if missing).</param>
    /// <param name="logger">Where recovery reports what it found and repaired.</param>
    public LogStorage(string root, ILogger logger)
    {
        Root = Path.GetFullPath(root);
        _logger = logger;
        Directory.CreateDirectory(Root);
    }

    /// <summary>The data directory.</summary>
    public string Root { get; }

    /// <summary>The cluster metadata file.</summary>
    public string MetadataPath => Path.Combine(Root, "cluster-metadata.json");

    /// <summary>The log directory of broker <paramref name="brokerId"/>.</summary>
    public string BrokerDirectory(int brokerId) => Path.Combine(Root, $"broker-{brokerId}");

    /// <summary>
    /// The log of the replica of <paramref name="topic"/>-<paramref name="partition"/> on <paramref name="brokerId"/>:
    /// recovered from its directory, or new and empty. A directory left by an older topic of the same name (another
    /// topic id in partition.metadata) is deleted first.
    /// </summary>
    public PartitionLog OpenLog(int brokerId, string topic, int partition, Guid topicId, Func<LogFileSettings> settings)
    {
        lock (_lock)
        {
            var clean = CleanShutdown(brokerId);
            var directory = Path.Combine(BrokerDirectory(brokerId), $"{topic}-{partition}");
            if (TopicIdIn(directory) is { } existing && existing != PartitionFiles.KafkaUuid(topicId))
            {
                _logger.LogWarning("Deleting {Directory}: it holds topic id {Old}, not {New}", directory, existing, PartitionFiles.KafkaUuid(topicId));
                Directory.Delete(directory, recursive: true);
            }
            var checkpointed = !_restored && Directory.Exists(directory) ? Checkpointed(brokerId).GetValueOrDefault((topic, partition)) : default;
            _opened.Add(directory);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var log = PartitionLog.Recover(new PartitionFiles(directory, topicId, settings, _logger), clean, checkpointed);
            if (!_logs.TryGetValue(brokerId, out var logs)) _logs[brokerId] = logs = [];
            logs[(topic, partition)] = log;
            if (log.BatchCount > 0)
                _logger.LogInformation("Loaded {Directory} ({Kind}): offsets {Start} to {End}, {Bytes} bytes in {Segments} segments, in {Elapsed:F0} ms",
                    directory, clean ? "clean shutdown" : "recovered", log.LogStartOffset, log.LogEndOffset, log.SizeInBytes, log.SegmentCount,
                    System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return log;
        }
    }

    private bool CleanShutdown(int brokerId)
    {
        if (_cleanShutdown.TryGetValue(brokerId, out var clean)) return clean;
        var directory = BrokerDirectory(brokerId);
        var marker = Path.Combine(directory, CleanShutdownMarker);
        clean = !Directory.Exists(directory) || File.Exists(marker);
        if (!clean) _logger.LogWarning("Broker {Broker} did not shut down cleanly: recovering its logs", brokerId);
        Directory.CreateDirectory(directory);
        File.Delete(marker);
        _cleanShutdown[brokerId] = clean;
        return clean;
    }

    /// <summary>The offsets broker <paramref name="brokerId"/>'s checkpoint files hold, read once.</summary>
    private Dictionary<(string Topic, int Partition), CheckpointedOffsets> Checkpointed(int brokerId)
    {
        if (_checkpointed.TryGetValue(brokerId, out var offsets)) return offsets;
        offsets = [];
        var directory = BrokerDirectory(brokerId);
        foreach (var (key, highWatermark) in ReadCheckpoint(Path.Combine(directory, ReplicationOffsetCheckpoint)))
            offsets[key] = new CheckpointedOffsets(0, highWatermark);
        foreach (var (key, start) in ReadCheckpoint(Path.Combine(directory, LogStartOffsetCheckpoint)))
            offsets[key] = offsets.GetValueOrDefault(key) with { LogStartOffset = start };
        return _checkpointed[brokerId] = offsets;
    }

    /// <summary>The <c>topic partition offset</c> entries of a checkpoint file; a malformed entry is skipped with a warning.</summary>
    private IEnumerable<((string Topic, int Partition) Key, long Offset)> ReadCheckpoint(string path)
    {
        foreach (var entry in CheckpointFile.Read(path, _logger))
        {
            var fields = entry.Split(' ');
            if (fields.Length == 3 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                yield return ((fields[0], partition), offset);
            else _logger.LogWarning("Ignoring malformed entry '{Entry}' in {File}", entry, path);
        }
    }

    /// <summary>
    /// Writes each broker's replication-offset-checkpoint (the high watermark of every replica it holds) and
    /// log-start-offset-checkpoint (replicas whose log start offset is past zero), in Kafka's format and atomically; a
    /// file whose content has not changed since it was last written is left alone. Replicas whose directory is gone
    /// (deleted topics, replicas moved away) are left out, and forgotten.
    /// </summary>
    public void WriteCheckpoints()
    {
        lock (_lock)
        {
            foreach (var (brokerId, logs) in _logs)
            {
                foreach (var gone in logs.Where(entry => entry.Value.Directory is not { } directory || !Directory.Exists(directory)).Select(entry => entry.Key).ToList())
                    logs.Remove(gone);
                var live = logs
                    .OrderBy(entry => entry.Key.Topic, StringComparer.Ordinal).ThenBy(entry => entry.Key.Partition)
                    .Select(entry => (entry.Key, Start: entry.Value.LogStartOffset, HighWatermark: entry.Value.HighWatermark))
                    .ToList();
                var directory = BrokerDirectory(brokerId);
                WriteIfChanged(Path.Combine(directory, ReplicationOffsetCheckpoint), live.Select(e => Entry(e.Key, e.HighWatermark)).ToList());
                WriteIfChanged(Path.Combine(directory, LogStartOffsetCheckpoint), live.Where(e => e.Start > 0).Select(e => Entry(e.Key, e.Start)).ToList());
            }
        }
    }

    private static string Entry((string Topic, int Partition) key, long offset) =>
        string.Create(CultureInfo.InvariantCulture, $"{key.Topic} {key.Partition} {offset}");

    private void WriteIfChanged(string path, IReadOnlyList<string> entries)
    {
        var content = CheckpointFile.Format(entries);
        if (_written.TryGetValue(path, out var previous) && previous == content) return;
        if (!Directory.Exists(Path.GetDirectoryName(path))) return;
        CheckpointFile.Write(path, content);
        _written[path] = content;
    }

    private static string? TopicIdIn(string directory)
    {
        var metadata = Path.Combine(directory, PartitionFiles.PartitionMetadata);
        if (!File.Exists(metadata)) return null;
        return File.ReadLines(metadata).Where(line => line.StartsWith("topic_id:", StringComparison.Ordinal)).Select(line => line["topic_id:".Length..].Trim()).FirstOrDefault();
    }

    /// <summary>
    /// Deletes the replica directories that no log claimed after the metadata was restored: replicas of topics deleted
    /// or moved away before a crash let the broker do it, as Kafka deletes stray logs.
    /// </summary>
    public void DeleteUnclaimed()
    {
        lock (_lock)
        {
            // The checkpoints served the restored logs; a topic created later under an old name starts afresh.
            _restored = true;
            _checkpointed.Clear();
            foreach (var broker in Directory.EnumerateDirectories(Root, "broker-*"))
            {
                foreach (var directory in Directory.EnumerateDirectories(broker).Where(d => !_opened.Contains(d)))
                {
                    _logger.LogWarning("Deleting {Directory}: no replica of the cluster's metadata lives there", directory);
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    /// <summary>Writes the clean shutdown marker into every broker's log directory (call once every log is closed).</summary>
    public void MarkCleanShutdown()
    {
        lock (_lock)
        {
            foreach (var broker in Directory.EnumerateDirectories(Root, "broker-*"))
            {
                using var marker = File.Create(Path.Combine(broker, CleanShutdownMarker));
                marker.Flush(flushToDisk: true);
            }
        }
    }
}

/// <summary>The offsets the checkpoint files recorded for one replica (zero when none).</summary>
/// <param name="LogStartOffset">From log-start-offset-checkpoint.</param>
/// <param name="HighWatermark">From replication-offset-checkpoint.</param>
internal readonly record struct CheckpointedOffsets(long LogStartOffset, long HighWatermark);
