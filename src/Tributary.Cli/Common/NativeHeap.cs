using System.Runtime.InteropServices;

namespace Tributary.Cli.Common;

/// <summary>
/// The C library's heap, where the runtime and its compiler allocate. Compiling a process's code as it starts, and again
/// as methods tier up in the first half minute, takes native memory that is freed after; glibc keeps freed pages in its
/// heap, resident, until told to give them back: 1 to 3 MB of an idle <c>tributary broker</c> (docs/benchmarks.md,
/// "Idle footprint: what the broker loads without using it, and the C library's free pages").
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>
    /// Gives the heap's free pages back to the operating system now and every <paramref name="period"/> until the timer is
    /// disposed (glibc's <c>malloc_trim(0)</c>); null where the C library is not glibc.
    /// </summary>
    public static ITimer? ReleaseFreePagesEvery(TimeSpan period) =>
        OperatingSystem.IsLinux() && TryReleaseFreePages() ? TimeProvider.System.CreateTimer(_ => TryReleaseFreePages(), null, period, period) : null;

    private static bool TryReleaseFreePages()
    {
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
