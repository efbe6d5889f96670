using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Log.Storage;

/// <summary>
/// A cluster's data directory: one log directory per broker, <c>broker-&lt;id&gt;/</c>, holding a directory per partition
/// replica (<see cref="PartitionFiles"/>) and, after a clean shutdown, Kafka's <c>.kafka_cleanshutdown</c> marker; and
/// the cluster metadata file (<c>cluster-metadata.json</c>, written by the cluster's metadata store).
/// </summary>
/// <remarks>
/// The marker is read and removed the first time a broker's directory is used, so from then on a crash leaves no
/// marker and the next start recovers the logs in full; <see cref="MarkCleanShutdown"/> writes it once every log is
/// closed. Thread-safe (its own lock, taken after the controller's: lock order controller -> storage -> replica log).
/// </remarks>
internal sealed class LogStorage
{
    /// <summary>Kafka's clean shutdown marker, in each broker's log directory.</summary>
    public const string CleanShutdownMarker = ".kafka_cleanshutdown";

    private readonly Lock _lock = new();
    private readonly Dictionary<int, bool> _cleanShutdown = new(); // by broker: read once, then the marker is gone
    private readonly HashSet<string> _opened = new(StringComparer.Ordinal);
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
            _opened.Add(directory);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var log = PartitionLog.Recover(new PartitionFiles(directory, topicId, settings, _logger), clean);
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
