using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tributary.Benchmarks;

/// <summary>
/// This process's CPU time, user and system together, to the nanosecond on Linux. <see cref="Process.TotalProcessorTime"/>
/// reads /proc/self/stat, whose times are whole clock ticks of 10 ms: a scenario that costs a server 25 ms of CPU (the
/// cluster benchmark's consume) then reads as 20 or 30 ms, 40% either way, whatever the server did. The process CPU-time
/// clock (clock_gettime with CLOCK_PROCESS_CPUTIME_ID) sums the scheduler's exact run times of all the process's threads,
/// those that have ended included. Elsewhere the tick-based figure stands.
/// </summary>
internal static partial class ProcessCpuClock
{
    private const int ClockProcessCpuTimeId = 2;

    /// <summary>The CPU time this process has used so far.</summary>
    public static TimeSpan Now()
    {
        if (TryRead(ClockProcessCpuTimeId, out var nanoseconds)) return TimeSpan.FromTicks(nanoseconds / 100);
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>
    /// The CPU time the process <paramref name="processId"/> has used so far: on Linux from its process CPU-time clock
    /// (clock_getcpuclockid), to the nanosecond, elsewhere from <see cref="Process.TotalProcessorTime"/>.
    /// </summary>
    public static TimeSpan Of(int processId)
    {
        if (OperatingSystem.IsLinux() && clock_getcpuclockid(processId, out var clock) == 0 && TryRead(clock, out var nanoseconds))
            return TimeSpan.FromTicks(nanoseconds / 100);
        using var process = Process.GetProcessById(processId);
        return process.TotalProcessorTime;
    }

    /// <summary>Reads the Linux clock <paramref name="clock"/> (clock_gettime), in nanoseconds; false elsewhere or on failure.</summary>
    internal static bool TryRead(int clock, out long nanoseconds)
    {
        nanoseconds = 0;
        if (!OperatingSystem.IsLinux() || clock_gettime(clock, out var time) != 0) return false;
        nanoseconds = time.Seconds * 1_000_000_000 + time.Nanoseconds;
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, out TimeSpec time);

    /// <summary>Returns 0 and the CPU-time clock of the process, or an error number (it sets no errno).</summary>
    [LibraryImport("libc")]
    private static partial int clock_getcpuclockid(int processId, out int clock);
}
