using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Log.Storage;

/// <summary>
/// One segment of a log kept in a data directory, in Kafka's file layout: <c>&lt;baseOffset&gt;.log</c> holds the
/// batches exactly as on the wire, <c>.index</c> maps offsets to file positions (8-byte entries: the offset relative
/// to the base offset, the position), one entry per index.interval.bytes of batches, and <c>.timeindex</c> maps
/// timestamps to offsets (12-byte entries: the largest timestamp so far, the relative offset). Not thread-safe: the
/// owning <see cref="PartitionLog"/> calls it under its lock.
/// </summary>
/// <remarks>
/// <para>Every append is one write system call at the end of the file and no fsync, as in Kafka: the bytes are in the
/// operating system's page cache at once, so a killed process loses nothing it acknowledged; <see cref="Flush"/>
/// forces them to the disk (flush.messages, flush.ms, and the closed segment at every roll).</para>
/// <para>The most recent bytes of the active segment stay in memory too (at most <see cref="CacheBytes"/>), so consumers
/// and followers near the end read without a system call; older bytes are read from the file into a new array.
/// Index entries are buffered and written a few kilobytes at a time (Kafka maps its indexes into memory): after a
/// crash the active segment's indexes are rebuilt from its log anyway.</para>
/// </remarks>
internal sealed class SegmentFile : BatchStorage
{
    /// <summary>The bytes of the active segment kept in memory as well: at least this much once written, at most one chunk more.</summary>
    public const int CacheBytes = 4 * 1024 * 1024;

    private const int OffsetEntrySize = 8;
    private const int TimeEntrySize = 12;
    private const int PendingIndexBytes = 4 * 1024;

    private readonly List<(int Start, LogChunk Chunk)> _cache = [];
    private readonly byte[] _pendingOffsets = new byte[PendingIndexBytes];
    private readonly byte[] _pendingTimes = new byte[PendingIndexBytes / OffsetEntrySize * TimeEntrySize];
    private SafeFileHandle _log;
    private SafeFileHandle _offsetIndex;
    private SafeFileHandle _timeIndex;
    private int _cachedCapacity;
    private int _pendingOffsetCount;
    private int _pendingTimeCount;
    private long _offsetIndexLength;
    private long _timeIndexLength;
    private int _bytesSinceIndexEntry;
    private long _maxTimestampSoFar = -1;
    private long _offsetOfMaxTimestampSoFar = -1;
    private long _lastTimeEntryTimestamp = -1;
    private bool _indexesMissing;
    private Dictionary<int, byte[]>? _scannedHeaders; // from Scan until recovery is done: the log's index reads each header once more

    private SegmentFile(string directory, long baseOffset, FileMode mode)
    {
        Directory = directory;
        BaseOffset = baseOffset;
        _indexesMissing = !File.Exists(PathOf(".index")) || !File.Exists(PathOf(".timeindex"));
        _log = OpenFile(LogPath, mode);
        _offsetIndex = OpenFile(PathOf(".index"), mode);
        _timeIndex = OpenFile(PathOf(".timeindex"), mode);
        Size = checked((int)RandomAccess.GetLength(_log));
        _offsetIndexLength = RandomAccess.GetLength(_offsetIndex);
        _timeIndexLength = RandomAccess.GetLength(_timeIndex);
    }

    /// <summary>The directory of the partition replica.</summary>
    public string Directory { get; }

    /// <summary>The offset the file names carry: at most the offset of the first batch in the segment.</summary>
    public long BaseOffset { get; }

    /// <summary>Bytes in the <c>.log</c> file.</summary>
    public int Size { get; private set; }

    /// <summary>The path of the <c>.log</c> file.</summary>
    public string LogPath => PathOf(".log");

    /// <summary>Kafka's file name of a segment: the base offset in 20 digits.</summary>
    public static string FileName(long baseOffset, string extension) => baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + extension;

    /// <summary>A new empty segment (files of that name left over are emptied).</summary>
    public static SegmentFile Create(string directory, long baseOffset) => new(directory, baseOffset, FileMode.Create);

    /// <summary>An existing segment; call <see cref="Scan"/> before appending to it.</summary>
    public static SegmentFile Open(string directory, long baseOffset) => new(directory, baseOffset, FileMode.OpenOrCreate);

    private string PathOf(string extension) => Path.Combine(Directory, FileName(BaseOffset, extension));

    private static SafeFileHandle OpenFile(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> Slice(int position, int length)
    {
        if (length <= RecordBatchLayout.HeaderSize && _scannedHeaders is not null && _scannedHeaders.TryGetValue(position, out var header))
            return header.AsMemory(0, length);
        foreach (var (start, chunk) in _cache)
        {
            if (position >= start && position + length <= start + chunk.Used) return chunk.Slice(position - start, length);
        }
        var buffer = GC.AllocateUninitializedArray<byte>(length);
        ReadExactly(position, buffer);
        return buffer;
    }

    private void ReadExactly(long position, Span<byte> buffer)
    {
        for (var done = 0; done < buffer.Length;)
        {
            var read = RandomAccess.Read(_log, buffer[done..], position + done);
            if (read == 0) throw new EndOfStreamException($"{LogPath} ends at {position + done}, before the {buffer.Length} bytes at {position}.");
            done += read;
        }
    }

    /// <summary>Room for a batch of <paramref name="length"/> bytes at the end of the segment, in memory; <see cref="Write"/> then writes it.</summary>
    public Memory<byte> Stage(int length, out int position)
    {
        position = Size;
        if (_cache.Count == 0 || !_cache[^1].Chunk.HasRoomFor(length) || _cache[^1].Start + _cache[^1].Chunk.Used != position)
        {
            var chunk = LogChunk.Create(_cache.Count == 0 ? null : _cache[^1].Chunk, length);
            _cache.Add((position, chunk));
            _cachedCapacity += chunk.Capacity;
            // The oldest chunk goes once the others hold the budget without it (readers keep what they were handed).
            while (_cache.Count > 1 && _cachedCapacity - _cache[0].Chunk.Capacity >= CacheBytes)
            {
                _cachedCapacity -= _cache[0].Chunk.Capacity;
                _cache.RemoveAt(0);
            }
        }
        return _cache[^1].Chunk.Reserve(length);
    }

    /// <summary>True when the batch at <paramref name="position"/> was staged and waits for <see cref="Write"/>: it starts where the file ends.</summary>
    public bool IsStaged(int position) => position == Size;

    /// <summary>
    /// Writes a batch (staged at <paramref name="position"/>, or from elsewhere at the end, <see cref="Size"/>) to the file
    /// (one write system call) and indexes it every <paramref name="indexIntervalBytes"/> bytes, as Kafka's
    /// LogSegment.append does.
    /// </summary>
    public void Write(int position, ReadOnlySpan<byte> batch, long lastOffset, long maxTimestamp, int indexIntervalBytes)
    {
        RandomAccess.Write(_log, batch, position);
        Size = position + batch.Length;
        Indexed(position, batch.Length, lastOffset, maxTimestamp, indexIntervalBytes);
    }

    private void Indexed(int position, int length, long lastOffset, long maxTimestamp, int indexIntervalBytes)
    {
        if (maxTimestamp > _maxTimestampSoFar)
        {
            _maxTimestampSoFar = maxTimestamp;
            _offsetOfMaxTimestampSoFar = lastOffset;
        }
        if (_bytesSinceIndexEntry > indexIntervalBytes)
        {
            AddOffsetEntry(lastOffset, position);
            MaybeAddTimeEntry();
            _bytesSinceIndexEntry = 0;
        }
        _bytesSinceIndexEntry += length;
    }

    private void AddOffsetEntry(long offset, int position)
    {
        if (_pendingOffsetCount == _pendingOffsets.Length) WriteIndexEntries();
        var entry = _pendingOffsets.AsSpan(_pendingOffsetCount, OffsetEntrySize);
        BinaryPrimitives.WriteInt32BigEndian(entry, checked((int)(offset - BaseOffset)));
        BinaryPrimitives.WriteInt32BigEndian(entry[4..], position);
        _pendingOffsetCount += OffsetEntrySize;
    }

    private void MaybeAddTimeEntry()
    {
        if (_maxTimestampSoFar <= _lastTimeEntryTimestamp) return;
        if (_pendingTimeCount == _pendingTimes.Length) WriteIndexEntries();
        var entry = _pendingTimes.AsSpan(_pendingTimeCount, TimeEntrySize);
        BinaryPrimitives.WriteInt64BigEndian(entry, _maxTimestampSoFar);
        BinaryPrimitives.WriteInt32BigEndian(entry[8..], checked((int)(_offsetOfMaxTimestampSoFar - BaseOffset)));
        _pendingTimeCount += TimeEntrySize;
        _lastTimeEntryTimestamp = _maxTimestampSoFar;
    }

    private void WriteIndexEntries()
    {
        if (_pendingOffsetCount > 0)
        {
            RandomAccess.Write(_offsetIndex, _pendingOffsets.AsSpan(0, _pendingOffsetCount), _offsetIndexLength);
            _offsetIndexLength += _pendingOffsetCount;
            _pendingOffsetCount = 0;
        }
        if (_pendingTimeCount > 0)
        {
            RandomAccess.Write(_timeIndex, _pendingTimes.AsSpan(0, _pendingTimeCount), _timeIndexLength);
            _timeIndexLength += _pendingTimeCount;
            _pendingTimeCount = 0;
        }
    }

    /// <summary>
    /// The segment stops being the active one (the log rolled): its last time index entry is written, as Kafka does
    /// when a segment becomes inactive, and its bytes leave memory.
    /// </summary>
    public void Seal()
    {
        MaybeAddTimeEntry();
        WriteIndexEntries();
        DropCache();
    }

    private void DropCache()
    {
        _cache.Clear();
        _cachedCapacity = 0;
    }

    /// <summary>Writes the buffered index entries and forces the three files to the disk (fsync).</summary>
    public void Flush()
    {
        WriteIndexEntries();
        FlushToDisk();
    }

    /// <summary>Forces the three files to the disk (fsync) without touching the segment's state: safe from another thread.</summary>
    public void FlushToDisk()
    {
        RandomAccess.FlushToDisk(_log);
        RandomAccess.FlushToDisk(_offsetIndex);
        RandomAccess.FlushToDisk(_timeIndex);
    }

    /// <summary>Cuts the log at <paramref name="size"/> bytes (a truncation, or a torn tail) and rebuilds the indexes of what remains.</summary>
    public void TruncateTo(int size, int indexIntervalBytes)
    {
        RandomAccess.SetLength(_log, size);
        Size = size;
        DropCache();
        RebuildIndexes(indexIntervalBytes);
    }

    /// <summary>
    /// Whether the index files look sound for this log: whole entries, and the last offset entry pointing inside the
    /// log. A crash can leave them short or torn; they are then rebuilt.
    /// </summary>
    public bool IndexesLookSound(int indexIntervalBytes)
    {
        if (_indexesMissing || _offsetIndexLength % OffsetEntrySize != 0 || _timeIndexLength % TimeEntrySize != 0) return false;
        // Every index.interval.bytes of batches gets an entry: a longer log with an empty index lost it.
        if (_offsetIndexLength == 0) return Size <= 2L * indexIntervalBytes + RecordBatchLayout.HeaderSize;
        Span<byte> last = stackalloc byte[OffsetEntrySize];
        RandomAccess.Read(_offsetIndex, last, _offsetIndexLength - OffsetEntrySize);
        var position = BinaryPrimitives.ReadInt32BigEndian(last[4..]);
        return BinaryPrimitives.ReadInt32BigEndian(last) >= 0 && position >= 0 && position < Size;
    }

    /// <summary>Writes both indexes again from the batches in the log.</summary>
    public void RebuildIndexes(int indexIntervalBytes)
    {
        RandomAccess.SetLength(_offsetIndex, 0);
        RandomAccess.SetLength(_timeIndex, 0);
        _offsetIndexLength = _timeIndexLength = 0;
        _indexesMissing = false;
        _pendingOffsetCount = _pendingTimeCount = 0;
        _bytesSinceIndexEntry = 0;
        _maxTimestampSoFar = _offsetOfMaxTimestampSoFar = _lastTimeEntryTimestamp = -1;
        Span<byte> header = stackalloc byte[RecordBatchLayout.HeaderSize];
        for (var position = 0; position < Size;)
        {
            ReadExactly(position, header);
            var batch = new RecordBatchHeader(header);
            var length = (int)batch.TotalSize;
            Indexed(position, length, batch.LastOffset, batch.MaxTimestamp, indexIntervalBytes);
            position += length;
        }
        WriteIndexEntries();
    }

    /// <summary>
    /// Reads the batches of the segment (from recovery): headers only, or whole batches with their CRC checked when
    /// <paramref name="validateCrc"/>. Stops at the first batch that is torn (the file ends inside it), malformed, out of
    /// offset order, or fails its CRC; <paramref name="validSize"/> is where the sound batches end.
    /// </summary>
    public List<ScannedBatch> Scan(bool validateCrc, long previousLastOffset, out int validSize, out string? problem)
    {
        var batches = new List<ScannedBatch>();
        var headerBuffer = new byte[RecordBatchLayout.HeaderSize];
        byte[]? batchBuffer = null;
        var position = 0;
        problem = null;
        try
        {
            while (position < Size)
            {
                if (Size - position < RecordBatchLayout.HeaderSize)
                {
                    problem = "the file ends inside a batch header";
                    break;
                }
                ReadExactly(position, headerBuffer);
                var header = new RecordBatchHeader(headerBuffer);
                var total = header.TotalSize;
                if (header.Magic != 2 || total < RecordBatchLayout.HeaderSize || header.LastOffsetDelta < 0)
                {
                    problem = "a malformed batch header";
                    break;
                }
                if (total > Size - position)
                {
                    problem = "the file ends inside a batch";
                    break;
                }
                if (header.BaseOffset < BaseOffset || header.BaseOffset <= previousLastOffset)
                {
                    problem = $"batch offset {header.BaseOffset} out of order";
                    break;
                }
                var length = (int)total;
                if (validateCrc)
                {
                    if (batchBuffer is null || batchBuffer.Length < length)
                    {
                        if (batchBuffer is not null) ArrayPool<byte>.Shared.Return(batchBuffer);
                        batchBuffer = ArrayPool<byte>.Shared.Rent(length);
                    }
                    var whole = batchBuffer.AsSpan(0, length);
                    ReadExactly(position, whole);
                    if (new RecordBatchHeader(whole).ComputeCrc() != header.Crc)
                    {
                        problem = "a batch whose CRC does not match";
                        break;
                    }
                }
                batches.Add(new ScannedBatch(position, length, header.BaseOffset, header.LastOffset, header.MaxTimestamp, header.IsControl));
                (_scannedHeaders ??= [])[position] = headerBuffer.ToArray();
                previousLastOffset = header.LastOffset;
                position += length;
            }
        }
        catch (KafkaProtocolException e)
        {
            problem = e.Message;
        }
        finally
        {
            if (batchBuffer is not null) ArrayPool<byte>.Shared.Return(batchBuffer);
        }
        validSize = position;
        return batches;
    }

    /// <summary>Recovery is done: the headers <see cref="Scan"/> kept for it go.</summary>
    public void ForgetScan() => _scannedHeaders = null;

    /// <summary>Writes the buffered index entries and closes the files.</summary>
    public void Close()
    {
        if (_log.IsClosed) return;
        WriteIndexEntries();
        _log.Dispose();
        _offsetIndex.Dispose();
        _timeIndex.Dispose();
        DropCache();
    }

    /// <summary>Closes and deletes the segment's files.</summary>
    public void Delete()
    {
        Close();
        foreach (var extension in (string[])[".log", ".index", ".timeindex"]) File.Delete(PathOf(extension));
    }

    /// <summary>
    /// Replaces the segment's log with <paramref name="batches"/> (written next to it as <c>.log.cleaned</c>, forced to
    /// disk, then renamed over it, so a crash leaves either the old or the new file) and rebuilds its indexes.
    /// </summary>
    public void Replace(ReadOnlySpan<byte> batches, int indexIntervalBytes)
    {
        var cleaned = LogPath + ".cleaned";
        using (var handle = File.OpenHandle(cleaned, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            RandomAccess.Write(handle, batches, 0);
            RandomAccess.FlushToDisk(handle);
        }
        _log.Dispose();
        File.Move(cleaned, LogPath, overwrite: true);
        _log = OpenFile(LogPath, FileMode.Open);
        Size = batches.Length;
        DropCache();
        RebuildIndexes(indexIntervalBytes);
    }

    /// <inheritdoc />
    public override string ToString() => LogPath;
}

/// <summary>A batch found in a segment file by recovery.</summary>
internal readonly record struct ScannedBatch(int Position, int Length, long BaseOffset, long LastOffset, long MaxTimestamp, bool IsControl);
