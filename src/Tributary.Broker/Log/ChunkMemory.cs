using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tributary.Broker.Log;

/// <summary>
/// Where the memory of log chunks comes from, and how it is faulted in ahead of the writes.
/// </summary>
/// <remarks>
/// <para><b>Faulting in ahead.</b> A growing log writes into memory the process did not use before, and on Linux every
/// first write to a 4 KB page is a page fault: measured on the 2-core benchmark machine, copying into fresh memory costs 30
/// to 100 times as much as copying into used memory, which made page faults most of the produce path. One
/// madvise(MADV_POPULATE_WRITE) call faults a range in at once, several times cheaper than page by page. A chunk is
/// faulted in a megabyte at a time just ahead of its writes (<see cref="Populate"/>), not whole when allocated: a
/// partition's last chunk, up to 4 MB, is mostly never written (up to 32 MB of a topic of 8 partitions), and was faulted
/// in all the same. Elsewhere, or on kernels before 5.14, this is left to the writes.</para>
/// <para><b>Huge pages.</b> Where the kernel offers transparent huge pages on request (<c>madvise</c> or <c>always</c> in
/// /sys/kernel/mm/transparent_hugepage/enabled), chunks of the pooled sizes (<see cref="SmallChunkSize"/> to
/// <see cref="SlabSize"/>, powers of two) are pieces of slabs: pinned arrays holding one <see cref="SlabSize"/> range
/// aligned to <see cref="HugePageSize"/>, advised MADV_HUGEPAGE before anything writes it, each range cut into pieces of
/// one size (<see cref="Allocate"/>). The kernel then maps a chunk's memory 2 MB at a time instead of 4 KB. Measured on the benchmark machine (a
/// virtual machine whose hypervisor keeps its own copy of each page table, with the kernel's page-table isolation on,
/// so the kernel and the process each map a page once for themselves; docs/benchmarks.md, issue 20, twentieth round),
/// for 16 MB of chunks: writing them the first time 1.8-32 ms instead of 23-51, and the first send of them to a socket
/// 4-7 ms instead of 15-29 (a second send 4-6 in both cases). The first send is a fetch answer sent from the log's
/// memory: under 4 KB pages the kernel's first read of each page of a new chunk cost about 7 µs, which was more than a
/// consume session's whole gap to librdkafka's mock. The cost: a slab's array is its range plus up to 2 MB for the
/// alignment, which the process never writes (the collector counts it, the kernel does not back it).</para>
/// <para><b>A slab's pieces.</b> A piece goes to a chunk, then (when no chunk holds it) to the <see cref="LogChunkPool"/>,
/// and comes back here when the pool has no room for it or trims it (<see cref="Free"/>). Pieces that came back are handed
/// out again before a new slab is cut, and a slab all of whose pieces came back is left to the collector, so the pool's
/// bound is what bounds the memory kept: without this, each piece the pool kept held its whole slab (measured: 4 to 6 MB
/// more of the live heap after every 3-million-message produce session of 1 MB chunks). A piece that never comes back (a
/// chunk no one retained, such as a segment file's cache) keeps its slab from being left to the collector only while the
/// slab has pieces to hand out, which are handed out first.</para>
/// <para>Anything else (smaller chunks, a batch larger than a slab, no huge pages) is a plain array, not zeroed (chunks are
/// read only where written); smaller chunks live in memory the collector reuses anyway.</para>
/// </remarks>
internal sealed partial class ChunkMemory
{
    /// <summary>The size of a transparent huge page on x86-64 and of the 4 KB-granule arm64 kernels.</summary>
    public const int HugePageSize = 2 * 1024 * 1024;

    /// <summary>The memory of one slab: as large as the largest chunk, so that every pooled size fits in one.</summary>
    public const int SlabSize = LogChunk.MaxChunkSize;

    /// <summary>Smaller chunks live in memory the collector reuses anyway: not worth a system call or a slab.</summary>
    public const int SmallChunkSize = 256 * 1024;

    /// <summary>How far ahead of the writes a chunk's pages are faulted in: one system call per megabyte written.</summary>
    private const int PopulateStep = 1024 * 1024;

    private const int MadvHugePage = 14;
    private const int MadvPopulateWrite = 23;
    private const int MadvCollapse = 25;
    private const string TransparentHugePages = "/sys/kernel/mm/transparent_hugepage/";

    private static bool s_populateUnavailable = !OperatingSystem.IsLinux();

    private readonly Lock _lock = new();
    private readonly List<Slab>[] _withFreePieces = Enumerable.Range(0, SizeClasses).Select(_ => new List<Slab>()).ToArray();
    private readonly ConditionalWeakTable<byte[], Slab> _slabs = new(); // by array: what Free finds a piece's slab by
    private bool _hugePages;

    /// <summary>Memory for chunks: in huge-page slabs when <paramref name="hugePages"/>, else plain arrays.</summary>
    public ChunkMemory(bool hugePages) => _hugePages = hugePages;

    /// <summary>How many sizes slabs are cut into (and <see cref="LogChunkPool"/> keeps): the powers of two from <see cref="SmallChunkSize"/> to <see cref="SlabSize"/>.</summary>
    public static int SizeClasses { get; } = SizeClassOf(SlabSize) + 1;

    /// <summary>The memory every log uses: in huge-page slabs where the kernel offers them.</summary>
    public static ChunkMemory Shared { get; } = new(HugePagesOffered());

    /// <summary>
    /// Whether the kernel maps huge pages where a process asks for them: Linux, transparent huge pages in <c>always</c>
    /// or <c>madvise</c> mode, of <see cref="HugePageSize"/>.
    /// </summary>
    public static bool HugePagesOffered()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var mode = File.ReadAllText(TransparentHugePages + "enabled");
            var size = File.ReadAllText(TransparentHugePages + "hpage_pmd_size").Trim();
            return (mode.Contains("[always]", StringComparison.Ordinal) || mode.Contains("[madvise]", StringComparison.Ordinal))
                && size == HugePageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True while chunks of the pooled sizes come from huge-page slabs (false after the kernel refused the advice).</summary>
    public bool UsesHugePages => Volatile.Read(ref _hugePages);

    /// <summary>
    /// Memory for a chunk of <paramref name="size"/> bytes, not zeroed: a piece of a slab (one given back first, else one of
    /// a new slab), or an array of its own.
    /// </summary>
    public ArraySegment<byte> Allocate(int size)
    {
        if (SizeClassOf(size) is not (var sizeClass and >= 0)) return GC.AllocateUninitializedArray<byte>(size);
        lock (_lock)
        {
            var withFreePieces = _withFreePieces[sizeClass];
            if (withFreePieces.Count == 0)
            {
                if (!_hugePages || NewSlab(size) is not { } created) return GC.AllocateUninitializedArray<byte>(size);
                _slabs.Add(created.Array, created);
                withFreePieces.Add(created);
            }
            var slab = withFreePieces[^1];
            var offset = slab.FreeOffsets.Pop();
            if (slab.FreeOffsets.Count == 0) withFreePieces.RemoveAt(withFreePieces.Count - 1);
            return new ArraySegment<byte>(slab.Array, offset, size);
        }
    }

    /// <summary>
    /// Takes back a piece of a slab that no chunk and no pool keeps (an array of its own is the collector's already); the
    /// slab goes to the collector once all its pieces are back.
    /// </summary>
    public void Free(ArraySegment<byte> memory)
    {
        if (memory.Array is null || !_slabs.TryGetValue(memory.Array, out var slab)) return;
        lock (_lock)
        {
            var withFreePieces = _withFreePieces[SizeClassOf(memory.Count)];
            if (slab.FreeOffsets.Count == 0) withFreePieces.Add(slab);
            slab.FreeOffsets.Push(memory.Offset);
            if (slab.FreeOffsets.Count == slab.Pieces) withFreePieces.Remove(slab);
        }
    }

    /// <summary>
    /// Makes sure the first <paramref name="needed"/> bytes of <paramref name="buffer"/> are faulted in, given that the
    /// first <paramref name="populated"/> are, and returns how many are now: the whole buffer where there is nothing to
    /// do (a small chunk, or no MADV_POPULATE_WRITE).
    /// </summary>
    public static int Populate(ArraySegment<byte> buffer, int populated, int needed)
    {
        if (needed <= populated) return populated;
        if (buffer.Count < SmallChunkSize || s_populateUnavailable) return buffer.Count;
        var end = Math.Min(buffer.Count, Math.Max(needed, populated + PopulateStep));
        FaultIn(buffer, populated, end);
        return end;
    }

    /// <summary>
    /// The index of <paramref name="size"/> among the sizes slabs are cut into (0 for <see cref="SmallChunkSize"/>), or -1
    /// for any other size.
    /// </summary>
    public static int SizeClassOf(int size) =>
        size is >= SmallChunkSize and <= SlabSize && BitOperations.IsPow2(size) ? BitOperations.Log2((uint)size) - BitOperations.Log2(SmallChunkSize) : -1;

    /// <summary>
    /// A pinned array's <see cref="SlabSize"/> bytes aligned to a huge page and advised MADV_HUGEPAGE, in pieces of
    /// <paramref name="pieceSize"/>, all free; null (and plain arrays from then on) when the kernel refuses the advice.
    /// </summary>
    private unsafe Slab? NewSlab(int pieceSize)
    {
        var array = GC.AllocateUninitializedArray<byte>(SlabSize + HugePageSize, pinned: true);
        fixed (byte* address = array)
        {
            var start = ((nint)address + HugePageSize - 1) & ~(nint)(HugePageSize - 1);
            if (madvise(start, SlabSize, MadvHugePage) != 0)
            {
                _hugePages = false;
                return null;
            }
            // Memory the runtime had written before (a collected array's) is mapped in 4 KB pages already, which the advice
            // does not change: collapse it into huge pages now. On untouched memory there is nothing to collapse and the
            // call fails at once, harmlessly; the advice maps it in huge pages as it is written.
            _ = madvise(start, SlabSize, MadvCollapse);
            return new Slab(array, (int)(start - (nint)address), pieceSize);
        }
    }

    /// <summary>A slab: its array, and the offsets in it of the pieces not handed out (the last given back on top).</summary>
    private sealed class Slab(byte[] array, int start, int pieceSize)
    {
        public byte[] Array { get; } = array;

        public int Pieces { get; } = SlabSize / pieceSize;

        public Stack<int> FreeOffsets { get; } = new(Enumerable.Range(0, SlabSize / pieceSize).Select(i => start + i * pieceSize).Reverse());
    }

    private static unsafe void FaultIn(ArraySegment<byte> buffer, int from, int to)
    {
        var pageMask = (nint)Environment.SystemPageSize - 1;
        // Pinned for the call, so the range is the array's even if the collector compacts large objects. The page that
        // holds `from` may be in already (harmless); a partial last page is left to the write that reaches it.
        fixed (byte* start = buffer.AsSpan())
        {
            var first = ((nint)start + from) & ~pageMask;
            var end = ((nint)start + to) & ~pageMask;
            if (end > first && madvise(first, (nuint)(end - first), MadvPopulateWrite) != 0)
                s_populateUnavailable = true; // an older kernel: EINVAL, every time
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
