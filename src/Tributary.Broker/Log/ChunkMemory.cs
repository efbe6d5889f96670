using System.Runtime.InteropServices;

namespace Tributary.Broker.Log;

/// <summary>
/// The memory of log chunks. A growing log writes into memory the process did not use before, and on Linux every first
/// write to a 4 KB page is a page fault: measured on the 2-core benchmark machine, copying into fresh memory costs 30 to
/// 100 times as much as copying into used memory, which made page faults most of the produce path. One
/// madvise(MADV_POPULATE_WRITE) call faults a range in at once, several times cheaper than page by page. A chunk is
/// faulted in a megabyte at a time just ahead of its writes (<see cref="Populate"/>), not whole when allocated: a
/// partition's last chunk, up to 4 MB, is mostly never written (up to 32 MB of a topic of 8 partitions), and was faulted
/// in all the same. Elsewhere, or on kernels before 5.14, chunks are plain arrays.
/// </summary>
internal static partial class ChunkMemory
{
    /// <summary>Smaller chunks live in memory the garbage collector reuses anyway; not worth a system call.</summary>
    private const int PopulateThreshold = 256 * 1024;

    /// <summary>How far ahead of the writes a chunk's pages are faulted in: one system call per megabyte written.</summary>
    private const int PopulateStep = 1024 * 1024;

    private const int MadvPopulateWrite = 23;

    private static bool s_populateUnavailable = !OperatingSystem.IsLinux();

    /// <summary>An array of <paramref name="size"/> bytes, not zeroed (chunks are read only where written).</summary>
    public static byte[] Allocate(int size) => GC.AllocateUninitializedArray<byte>(size);

    /// <summary>
    /// Makes sure the first <paramref name="needed"/> bytes of <paramref name="buffer"/> are faulted in, given that the
    /// first <paramref name="populated"/> are, and returns how many are now: the whole buffer where there is nothing to
    /// do (a small chunk, or no MADV_POPULATE_WRITE).
    /// </summary>
    public static int Populate(byte[] buffer, int populated, int needed)
    {
        if (needed <= populated) return populated;
        if (buffer.Length < PopulateThreshold || s_populateUnavailable) return buffer.Length;
        var end = Math.Min(buffer.Length, Math.Max(needed, populated + PopulateStep));
        FaultIn(buffer, populated, end);
        return end;
    }

    private static unsafe void FaultIn(byte[] buffer, int from, int to)
    {
        var pageMask = (nint)Environment.SystemPageSize - 1;
        // Pinned for the call, so the range is the array's even if the collector compacts large objects. The page that
        // holds `from` may be in already (harmless); a partial last page is left to the write that reaches it.
        fixed (byte* start = buffer)
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
