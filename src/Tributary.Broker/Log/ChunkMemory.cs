using System.Runtime.InteropServices;

namespace Tributary.Broker.Log;

/// <summary>
/// Allocates the memory of log chunks. A growing log always writes into memory no one touched before, and on
/// Linux every first write to a 4 KB page is a page fault: measured on the 2-core benchmark machine, copying
/// into fresh memory costs 30 to 100 times as much as copying into used memory, which made page faults most
/// of the produce path. One madvise(MADV_POPULATE_WRITE) call faults a whole chunk in at once, several times
/// cheaper than page by page. Elsewhere, or on kernels before 5.14, chunks are plain arrays.
/// </summary>
internal static partial class ChunkMemory
{
    /// <summary>Smaller chunks live in memory the garbage collector reuses anyway; not worth a system call.</summary>
    private const int PopulateThreshold = 256 * 1024;

    private const int MadvPopulateWrite = 23;

    private static bool s_populateUnavailable = !OperatingSystem.IsLinux();

    /// <summary>An array of <paramref name="size"/> bytes, not zeroed (chunks are read only where written), its pages faulted in.</summary>
    public static byte[] Allocate(int size)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(size);
        if (size >= PopulateThreshold && !s_populateUnavailable) Populate(buffer);
        return buffer;
    }

    private static unsafe void Populate(byte[] buffer)
    {
        var pageMask = (nint)Environment.SystemPageSize - 1;
        // Pinned for the call, so the range is the array's even if the collector compacts large objects.
        fixed (byte* start = buffer)
        {
            var first = ((nint)start + pageMask) & ~pageMask;
            var end = ((nint)start + buffer.Length) & ~pageMask;
            if (end > first && madvise(first, (nuint)(end - first), MadvPopulateWrite) != 0)
                s_populateUnavailable = true; // an older kernel: EINVAL, every time
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
