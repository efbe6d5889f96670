namespace Tributary.Broker.Log;

/// <summary>
/// The memory of log chunks that no log and no reader holds any more, kept for the next chunks of any log to write into.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> On the 2-core benchmark machine a first write to a page of memory costs 30 to 100 times the copy
/// itself (docs/benchmarks.md, issue 20, second and third rounds). A log that frees old segments (retention, DeleteRecords, a
/// deleted topic) gives its chunks to the garbage collector, which takes large objects back only at a full collection and
/// then returns their pages to the kernel, so the next chunks are written into fresh pages again. librdkafka's mock, which
/// keeps 5 MiB per partition, reuses freed blocks through malloc at once. Reusing the deleted topics' chunks cut the
/// broker's CPU per produced message by about a quarter (issue 20, sixth round).</para>
/// <para><b>What.</b> Chunk memory (an array, or a piece of a huge-page slab: <see cref="ChunkMemory"/>) of the
/// power-of-two sizes from <see cref="MinPooledSize"/> to <see cref="MaxPooledSize"/>, the sizes <see cref="LogChunk.Create"/>
/// rounds a log's chunks to; at most <see cref="MaxPooledBytes"/> in all. Smaller chunks are left to the collector, which
/// reuses its young generations' memory anyway. Each piece keeps how much of it is faulted in, so a chunk built on it asks
/// the kernel only for the rest (<see cref="ChunkMemory.Populate"/>). New memory comes from the pool's
/// <see cref="ChunkMemory"/>.</para>
/// <para><b>Safety.</b> Memory comes back only when its chunk's count of holders falls to zero
/// (<see cref="LogChunk.Release"/>). Holders are every log index entry pointing into the chunk (a leader's and each
/// follower's), the log's active chunk, a fetch until its response is sent, and a replica read until the follower has
/// appended it. A holder that never releases only keeps its chunk out of the pool, for the collector to take as before;
/// a chunk used after its last release throws rather than read memory a new log may be writing.</para>
/// <para><b>Trimmed</b> at full collections, as the runtime's shared array pool is: memory that waited in the pool for
/// <see cref="TrimAfterMs"/> goes back to the collector (a slab's array once none of its pieces is held), and all of them when the machine's memory is short. Not at every
/// full collection: allocating chunks starts full (background) collections every second or so, and trimming at each of
/// them dropped a deleted topic's chunks before the next topic could take them (measured: 82 MB of 135 trimmed during
/// one benchmark scenario).</para>
/// </remarks>
internal sealed class LogChunkPool
{
    /// <summary>The smallest pooled size: smaller chunks live in memory the collector reuses (and are not faulted in ahead).</summary>
    public const int MinPooledSize = ChunkMemory.SmallChunkSize;

    /// <summary>The largest pooled size: a log's chunks grow to it.</summary>
    public const int MaxPooledSize = LogChunk.MaxChunkSize;

    /// <summary>
    /// The most the pool keeps: the chunks of 16 partitions of the mock's 5 MiB retention with 1 MiB segments at once, and
    /// about half of what a deleted topic of a million 100-byte messages frees.
    /// </summary>
    public const long MaxPooledBytes = 64L * 1024 * 1024;

    /// <summary>How long memory may wait in the pool before a full collection gives it back (the shared array pool's figure).</summary>
    public const long TrimAfterMs = 60_000;

    private readonly Lock _lock = new();
    private readonly ChunkMemory _memory;
    private readonly List<Pooled>[] _free = Enumerable.Range(0, ChunkMemory.SizeClasses).Select(_ => new List<Pooled>()).ToArray();
    private long _pooledBytes;
    private long _reusedBytes;

    /// <summary>A pool whose new memory comes from <paramref name="memory"/> (the <see cref="ChunkMemory.Shared"/> by default).</summary>
    public LogChunkPool(ChunkMemory? memory = null) => _memory = memory ?? ChunkMemory.Shared;

    /// <summary>The pool every log uses; trimmed at each full collection.</summary>
    public static LogChunkPool Shared { get; } = CreateTrimmed();

    /// <summary>Bytes handed out again instead of allocated, since the process started (for tests and benchmarks).</summary>
    public long ReusedBytes { get { lock (_lock) return _reusedBytes; } }

    /// <summary>Bytes the pool holds now.</summary>
    public long PooledBytes { get { lock (_lock) return _pooledBytes; } }

    /// <summary>The capacity a chunk of <paramref name="size"/> bytes gets: rounded up to a power of two where the pool keeps such arrays.</summary>
    public static int CapacityFor(int size) =>
        size is > MinPooledSize / 2 and <= MaxPooledSize ? (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size) : size;

    /// <summary>
    /// Memory of <paramref name="size"/> bytes, from the pool when it has some (<paramref name="populated"/> then says how
    /// many of its first bytes are faulted in), else new and not zeroed.
    /// </summary>
    public ArraySegment<byte> Rent(int size, out int populated)
    {
        if (ChunkMemory.SizeClassOf(size) is var index and >= 0)
        {
            lock (_lock)
            {
                var free = _free[index];
                if (free.Count > 0)
                {
                    var pooled = free[^1];
                    free.RemoveAt(free.Count - 1);
                    _pooledBytes -= size;
                    _reusedBytes += size;
                    populated = pooled.Populated;
                    return pooled.Memory;
                }
            }
        }
        populated = 0;
        return _memory.Allocate(size);
    }

    /// <summary>
    /// Takes back memory no chunk uses any more, if it is of a pooled size and the pool has room; else gives it back to its
    /// <see cref="ChunkMemory"/>.
    /// </summary>
    public void Return(ArraySegment<byte> memory, int populated)
    {
        if (ChunkMemory.SizeClassOf(memory.Count) is not (var index and >= 0)) return;
        lock (_lock)
        {
            if (_pooledBytes + memory.Count > MaxPooledBytes)
            {
                _memory.Free(memory);
                return;
            }
            _free[index].Add(new Pooled(memory, populated, Environment.TickCount64));
            _pooledBytes += memory.Count;
        }
    }

    /// <summary>
    /// Gives back to its <see cref="ChunkMemory"/> (and so to the collector) all memory returned before <paramref name="returnedBeforeMs"/> (on
    /// <see cref="Environment.TickCount64"/>'s clock); <see cref="long.MaxValue"/> gives back all of them.
    /// </summary>
    public void Trim(long returnedBeforeMs)
    {
        lock (_lock)
        {
            foreach (var free in _free)
            {
                // Oldest first: memory is taken from the end.
                var stale = 0;
                while (stale < free.Count && free[stale].ReturnedMs < returnedBeforeMs)
                {
                    _pooledBytes -= free[stale].Memory.Count;
                    _memory.Free(free[stale++].Memory);
                }
                free.RemoveRange(0, stale);
            }
        }
    }

    private static LogChunkPool CreateTrimmed()
    {
        var pool = new LogChunkPool();
        _ = new FullCollectionCallback(pool);
        return pool;
    }

    private readonly record struct Pooled(ArraySegment<byte> Memory, int Populated, long ReturnedMs);

    /// <summary>
    /// Trims the pool after every full collection: an object nothing references, which puts itself back in the
    /// finalization queue each time it is finalized (the runtime's own array pools trim the same way). Once it has
    /// survived into the oldest generation it is finalized only after full collections.
    /// </summary>
    private sealed class FullCollectionCallback(LogChunkPool pool)
    {
        private int _fullCollections = GC.CollectionCount(2);

        ~FullCollectionCallback()
        {
            if (Environment.HasShutdownStarted) return;
            var fullCollections = GC.CollectionCount(2);
            if (fullCollections != _fullCollections)
            {
                _fullCollections = fullCollections;
                var memory = GC.GetGCMemoryInfo();
                var memoryIsShort = memory.MemoryLoadBytes >= memory.HighMemoryLoadThresholdBytes;
                pool.Trim(memoryIsShort ? long.MaxValue : Environment.TickCount64 - TrimAfterMs);
            }
            GC.ReRegisterForFinalize(this);
        }
    }
}
