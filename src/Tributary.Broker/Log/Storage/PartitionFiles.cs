using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Log.Storage;

/// <summary>The topic configs the files of a partition follow, read at every append (they can change at run time).</summary>
/// <param name="FlushMessages">flush.messages: the messages after which the log is forced to disk.</param>
/// <param name="FlushMs">flush.ms: the time after which the log is forced to disk.</param>
/// <param name="IndexIntervalBytes">index.interval.bytes: the bytes of batches between two offset index entries.</param>
internal readonly record struct LogFileSettings(long FlushMessages, long FlushMs, int IndexIntervalBytes)
{
    /// <summary>Kafka's defaults: never forced to disk by count or time, an index entry every 4 KB.</summary>
    public static LogFileSettings Default { get; } = new(long.MaxValue, long.MaxValue, 4096);
}

/// <summary>
/// The directory of one partition replica in a broker's data directory, <c>&lt;topic&gt;-&lt;partition&gt;/</c>, in
/// Kafka's layout: a <see cref="SegmentFile"/> per segment, <c>leader-epoch-checkpoint</c> and
/// <c>partition.metadata</c>. The owning <see cref="PartitionLog"/> keeps its batch index in memory and calls this
/// under its lock for every change, so the files always hold what the log holds; <see cref="Recover"/> reads them back.
/// </summary>
internal sealed class PartitionFiles
{
    /// <summary>Kafka's name of the leader epoch checkpoint file.</summary>
    public const string LeaderEpochCheckpoint = "leader-epoch-checkpoint";

    /// <summary>Kafka's name of the file naming the topic id.</summary>
    public const string PartitionMetadata = "partition.metadata";

    private readonly List<SegmentFile> _segments = [];
    private readonly Func<LogFileSettings> _settings;
    private readonly ILogger _logger;
    private string? _leaderEpochsWritten; // what leader-epoch-checkpoint last got, so an unchanged cache is not written again
    private long _unflushedMessages;
    private long _lastFlushMs = -1;

    /// <param name="directory">The replica's directory (created if missing).</param>
    /// <param name="topicId">The topic id, written to partition.metadata.</param>
    /// <param name="settings">The topic's current file settings.</param>
    /// <param name="logger">Where recovery reports what it repaired.</param>
    public PartitionFiles(string directory, Guid topicId, Func<LogFileSettings> settings, ILogger logger)
    {
        Directory = directory;
        _settings = settings;
        _logger = logger;
        System.IO.Directory.CreateDirectory(directory);
        var metadata = Path.Combine(directory, PartitionMetadata);
        if (!File.Exists(metadata)) CheckpointFile.Write(metadata, $"version: 0\ntopic_id: {KafkaUuid(topicId)}\n");
    }

    /// <summary>The replica's directory.</summary>
    public string Directory { get; }

    private SegmentFile? Active => _segments.Count > 0 ? _segments[^1] : null;

    /// <summary>Kafka's text form of a UUID: URL-safe base64 of its 16 big-endian bytes, without padding.</summary>
    public static string KafkaUuid(Guid id) => Convert.ToBase64String(id.ToByteArray(bigEndian: true)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Reads the segments back after a restart. Leftovers of an interrupted cleaning go. After a clean shutdown only the
    /// batch headers are read; after a crash the last segment is read whole and every batch's CRC checked (the
    /// segments before it were forced to disk when the log rolled past them, Kafka's recovery point). A torn or corrupt
    /// tail is cut off, with a warning naming the file and position, and any later segment deleted; missing or
    /// unsound indexes are rebuilt.
    /// </summary>
    public RecoveredFiles Recover(bool cleanShutdown)
    {
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, "*.cleaned")) File.Delete(leftover);
        var bases = System.IO.Directory.EnumerateFiles(Directory, "*.log")
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : -1)
            .Where(offset => offset >= 0)
            .Order()
            .ToList();
        var interval = _settings().IndexIntervalBytes;
        var batches = new List<StoredBatch>();
        var previousLast = -1L;
        for (var i = 0; i < bases.Count; i++)
        {
            var segment = SegmentFile.Open(Directory, bases[i]);
            var last = i == bases.Count - 1;
            var scanned = segment.Scan(validateCrc: !cleanShutdown && last, previousLast, out var validSize, out var problem);
            if (scanned.Count == 0 && segment.Size > 0 && i > 0 && problem is not null && validSize == 0 && bases[i] <= previousLast)
            {
                // A cleaning replaced the segments before this one and was stopped before it deleted this old copy.
                _logger.LogWarning("Log recovery: deleted {File}, an older copy of offsets a cleaned segment before it holds", segment.LogPath);
                segment.Delete();
                continue;
            }
            var modified = File.GetLastWriteTimeUtc(segment.LogPath);
            var modifiedMs = new DateTimeOffset(modified).ToUnixTimeMilliseconds();
            if (problem is not null)
            {
                _logger.LogWarning("Log recovery: {File} is damaged at position {Position}, after offset {Offset} ({Problem}); truncated there, {Removed} bytes removed",
                    segment.LogPath, validSize, scanned.Count > 0 ? scanned[^1].LastOffset : previousLast, problem, segment.Size - validSize);
                segment.TruncateTo(validSize, interval);
            }
            else if (!segment.IndexesLookSound(interval) || (!cleanShutdown && last))
            {
                segment.RebuildIndexes(interval);
            }
            for (var j = 0; j < scanned.Count; j++)
            {
                var batch = scanned[j];
                batches.Add(new StoredBatch(segment, batch.Position, batch.Length, batch.BaseOffset, batch.LastOffset, batch.MaxTimestamp,
                    batch.MaxTimestamp >= 0 ? batch.MaxTimestamp : modifiedMs, 0, batch.IsControl, StartsSegment: j == 0));
            }
            if (scanned.Count > 0) previousLast = scanned[^1].LastOffset;
            if (segment.Size == 0 && !(last && problem is null && batches.Count == 0))
            {
                segment.Delete(); // empty: kept only as the active segment of an empty log, for the offset its name gives
            }
            else _segments.Add(segment);
            if (problem is not null)
            {
                foreach (var later in bases.Skip(i + 1))
                {
                    _logger.LogWarning("Log recovery: deleted segment {File}, which came after the corrupt tail", SegmentFile.FileName(later, ".log"));
                    SegmentFile.Open(Directory, later).Delete();
                }
                break;
            }
        }
        // A new replica (or one whose directory held no segment): its first, empty segment, as Kafka creates one with the log.
        if (_segments.Count == 0) _segments.Add(SegmentFile.Create(Directory, 0));
        return new RecoveredFiles(batches, _segments[0].BaseOffset, ReadLeaderEpochs());
    }

    /// <summary>The log has taken the recovered batches in: the headers kept for it go.</summary>
    public void RecoveryDone()
    {
        foreach (var segment in _segments) segment.ForgetScan();
    }

    /// <summary>
    /// Room for a batch of <paramref name="length"/> bytes at the end of the log (in a new segment when
    /// <paramref name="roll"/>, named <paramref name="baseOffset"/>); <see cref="Write"/> then writes it.
    /// </summary>
    public Memory<byte> Stage(int length, bool roll, long baseOffset, out BatchStorage storage, out int position)
    {
        var active = ActiveFor(roll, baseOffset);
        storage = active;
        return active.Stage(length, out position);
    }

    /// <summary>
    /// Writes a batch to the active segment (rolling first when it starts a segment) and returns it as the file now
    /// holds it: a batch staged by <see cref="Stage"/> (kept in memory too), or one stored elsewhere (a follower copying
    /// its leader, read back from the file).
    /// Forces the log to disk when flush.messages or flush.ms says so.
    /// </summary>
    public StoredBatch Write(StoredBatch batch)
    {
        var settings = _settings();
        var active = Active;
        int position;
        ReadOnlySpan<byte> bytes;
        if (batch.Chunk is SegmentFile staged && staged == active && staged.IsStaged(batch.Position))
        {
            position = batch.Position;
            bytes = active.Slice(position, batch.Length).Span;
        }
        else
        {
            // A follower's copy goes straight from the leader's bytes to the file, not through memory of its own: only
            // the leader's newest bytes are kept in memory (the followers' fetches and most consumers read there).
            active = ActiveFor(batch.StartsSegment, batch.BaseOffset);
            position = active.Size;
            bytes = batch.Bytes.Span;
        }
        active.Write(position, bytes, batch.LastOffset, batch.MaxTimestamp, settings.IndexIntervalBytes);
        _unflushedMessages += batch.LastOffset - batch.BaseOffset + 1;
        if (_lastFlushMs < 0) _lastFlushMs = batch.AppendTimeMs;
        if (_unflushedMessages >= settings.FlushMessages) Flush(batch.AppendTimeMs);
        else FlushIfDue(batch.AppendTimeMs, settings.FlushMs);
        return batch with { Chunk = active, Position = position };
    }

    /// <summary>The segment a batch at <paramref name="baseOffset"/> goes to: a new one when it starts a segment (<paramref name="roll"/>) and the active one holds bytes.</summary>
    private SegmentFile ActiveFor(bool roll, long baseOffset) =>
        Active is { } current && (!roll || current.Size == 0) ? current : Roll(baseOffset);

    private SegmentFile Roll(long baseOffset)
    {
        if (Active is { } previous)
        {
            if (previous.Size == 0)
            {
                previous.Delete();
                _segments.RemoveAt(_segments.Count - 1);
            }
            else
            {
                previous.Seal();
                // Kafka flushes the segment it rolled away from in the background: the recovery point moves past it.
                _ = Task.Run(() => FlushQuietly(previous));
            }
        }
        var segment = SegmentFile.Create(Directory, baseOffset);
        _segments.Add(segment);
        return segment;
    }

    private void FlushQuietly(SegmentFile segment)
    {
        try
        {
            segment.FlushToDisk();
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // Deleted or closed meanwhile (retention, a truncation): nothing left to force to disk.
            _logger.LogDebug("Flushing {File} after a roll: {Message}", segment.LogPath, e.Message);
        }
    }

    /// <summary>Forces the log to disk when flush.ms has passed since the last time (also called by the cluster's periodic check).</summary>
    public void FlushIfDue(long nowMs) => FlushIfDue(nowMs, _settings().FlushMs);

    private void FlushIfDue(long nowMs, long flushMs)
    {
        if (nowMs >= NextFlushMs(flushMs)) Flush(nowMs);
    }

    /// <summary>When flush.ms will have passed with messages not yet forced to disk (long.MaxValue: nothing to force, or no flush.ms).</summary>
    public long NextFlushMs() => NextFlushMs(_settings().FlushMs);

    private long NextFlushMs(long flushMs) =>
        flushMs == long.MaxValue || _unflushedMessages == 0 ? long.MaxValue : _lastFlushMs > long.MaxValue - flushMs ? long.MaxValue : _lastFlushMs + flushMs;

    private void Flush(long nowMs)
    {
        Active?.Flush();
        _unflushedMessages = 0;
        _lastFlushMs = nowMs;
    }

    /// <summary>
    /// Deletes the segment files that lie wholly before <paramref name="offset"/> (retention, DeleteRecords); when none
    /// is left, an empty active segment named <paramref name="logEndOffset"/> keeps the log's position, as Kafka's roll does.
    /// </summary>
    public void DeleteSegmentsBefore(long offset, long logEndOffset)
    {
        while (_segments.Count > 0 && (_segments.Count > 1 ? _segments[1].BaseOffset : logEndOffset) <= offset)
        {
            _segments[0].Delete();
            _segments.RemoveAt(0);
        }
        if (_segments.Count == 0) _segments.Add(SegmentFile.Create(Directory, logEndOffset));
    }

    /// <summary>Removes <paramref name="firstRemoved"/> and every later batch from the files (a truncation).</summary>
    public void TruncateFrom(in StoredBatch firstRemoved)
    {
        var segment = (SegmentFile)firstRemoved.Chunk;
        var index = _segments.IndexOf(segment);
        for (var i = _segments.Count - 1; i > index; i--)
        {
            _segments[i].Delete();
            _segments.RemoveAt(i);
        }
        if (firstRemoved.Position == 0 && _segments.Count > 1)
        {
            segment.Delete();
            _segments.RemoveAt(index);
            return;
        }
        segment.TruncateTo(firstRemoved.Position, _settings().IndexIntervalBytes);
    }

    /// <summary>Deletes every segment; the log starts over empty at <paramref name="offset"/>.</summary>
    public void Reset(long offset)
    {
        foreach (var segment in _segments) segment.Delete();
        _segments.Clear();
        _segments.Add(SegmentFile.Create(Directory, offset));
    }

    /// <summary>
    /// Replaces the segments the cleaner rewrote: <paramref name="cleaned"/> are the batches now before the cleaner's end,
    /// each segment starting at a batch flagged so; every old segment file up to <paramref name="firstKeptSegment"/> (the
    /// first one the cleaner did not touch) goes. Returns the batches as the new files hold them.
    /// </summary>
    public List<StoredBatch> Rewrite(IReadOnlyList<StoredBatch> cleaned, SegmentFile? firstKeptSegment)
    {
        var interval = _settings().IndexIntervalBytes;
        var old = firstKeptSegment is null ? _segments.ToList() : _segments.TakeWhile(s => s != firstKeptSegment).ToList();
        var rewritten = new List<StoredBatch>(cleaned.Count);
        var replacements = new List<SegmentFile>();
        using var output = new Protocol.PooledBufferWriter(64 * 1024);
        for (var start = 0; start < cleaned.Count;)
        {
            var end = start + 1;
            while (end < cleaned.Count && !cleaned[end].StartsSegment) end++;
            output.Clear();
            var positions = new int[end - start];
            for (var i = start; i < end; i++)
            {
                positions[i - start] = output.WrittenCount;
                cleaned[i].Bytes.Span.CopyTo(output.GetSpan(cleaned[i].Length));
                output.Advance(cleaned[i].Length);
            }
            var name = cleaned[start].BaseOffset;
            var segment = old.Find(s => s.BaseOffset == name) ?? SegmentFile.Create(Directory, name);
            segment.Replace(output.WrittenSpan, interval);
            if (segment.Size > 0) segment.Seal();
            replacements.Add(segment);
            for (var i = start; i < end; i++) rewritten.Add(cleaned[i] with { Chunk = segment, Position = positions[i - start] });
            start = end;
        }
        // Old files no new one replaced go only now: a crash before leaves an older copy that recovery recognises.
        foreach (var segment in old.Where(s => !replacements.Contains(s))) segment.Delete();
        _segments.RemoveRange(0, old.Count);
        _segments.InsertRange(0, replacements);
        return rewritten;
    }

    /// <summary>
    /// Writes the leader epoch cache to <c>leader-epoch-checkpoint</c> in Kafka's format (atomically), unless it holds
    /// that already. The file is renamed into place at once and forced to disk in the background: an fsync here would
    /// hold the log's lock and, on a follower, the broker's replica fetcher for every partition it copies (Kafka flushes
    /// its epoch truncations in the background for the same reason). A power cut just after an election may leave the
    /// file without its newest entry; recovery then truncates by the older ones, as in Kafka.
    /// </summary>
    public void WriteLeaderEpochs(IReadOnlyList<(int Epoch, long StartOffset)> entries)
    {
        var content = FormatLeaderEpochs(entries);
        if (content == _leaderEpochsWritten) return;
        var path = Path.Combine(Directory, LeaderEpochCheckpoint);
        CheckpointFile.Write(path, content, forceToDisk: false);
        _leaderEpochsWritten = content;
        _ = Task.Run(() => CheckpointFile.ForceToDiskQuietly(path));
    }

    private static string FormatLeaderEpochs(IReadOnlyList<(int Epoch, long StartOffset)> entries) =>
        CheckpointFile.Format(entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Epoch} {e.StartOffset}")).ToList());

    /// <summary>
    /// The entries of leader-epoch-checkpoint. A file whose every entry was read counts as written, so recovery, which
    /// hands the cache back to <see cref="WriteLeaderEpochs"/>, does not rewrite (and fsync) an unchanged file on every
    /// start; a missing, empty or malformed one is still written.
    /// </summary>
    private List<(int Epoch, long StartOffset)> ReadLeaderEpochs()
    {
        var lines = CheckpointFile.Read(Path.Combine(Directory, LeaderEpochCheckpoint), _logger);
        var entries = new List<(int Epoch, long StartOffset)>();
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var epoch) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start))
                entries.Add((epoch, start));
        }
        if (lines.Count > 0 && entries.Count == lines.Count) _leaderEpochsWritten = FormatLeaderEpochs(entries);
        return entries;
    }

    /// <summary>Writes what is buffered and closes every file (a clean shutdown).</summary>
    public void Close()
    {
        foreach (var segment in _segments)
        {
            segment.Flush();
            segment.Close();
        }
    }

    /// <summary>Closes the files and deletes the whole directory (the topic was deleted, or the replica moved away).</summary>
    public void DeleteDirectory()
    {
        foreach (var segment in _segments) segment.Close();
        _segments.Clear();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>What <see cref="PartitionFiles.Recover"/> found.</summary>
/// <param name="Batches">The sound batches, oldest first, held by their segment files.</param>
/// <param name="LogStartOffset">The base offset of the first segment (the log's start when it has no batch before it).</param>
/// <param name="LeaderEpochs">The entries of leader-epoch-checkpoint.</param>
internal sealed record RecoveredFiles(IReadOnlyList<StoredBatch> Batches, long LogStartOffset, IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs);
