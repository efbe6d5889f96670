using System.Globalization;

namespace Tributary.Benchmarks;

/// <summary>
/// The CPU time of each of this process's threads (Linux: /proc/self/task/TID/schedstat, the scheduler's run time in
/// nanoseconds, exact where the tick-based times of /proc/self/task/TID/stat missed most short bursts), so that a
/// measurement can say which threads its CPU went to: the brokers' socket threads, their background threads, the runtime's
/// compiler and collector. Empty elsewhere.
/// </summary>
internal static class ThreadCpu
{
    /// <summary>Every thread's name and run time now, by thread id.</summary>
    public static Dictionary<int, (string Name, long Nanoseconds)> Snapshot()
    {
        var threads = new Dictionary<int, (string, long)>();
        if (!Directory.Exists("/proc/self/task")) return threads;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, RunTime(Path.Combine(task, "schedstat")));
            }
            catch (IOException)
            {
                // The thread ended between listing and reading: its time is lost to this snapshot, as it is to the next.
            }
        }
        return threads;
    }

    /// <summary>
    /// True where <see cref="CurrentThreadNanoseconds"/> works (Linux); elsewhere false, after saying so on standard error
    /// for the benchmark named <paramref name="command"/>.
    /// </summary>
    public static bool CurrentThreadClockAvailable(string command)
    {
        if (ProcessCpuClock.TryRead(ClockThreadCpuTimeId, out _)) return true;
        Console.Error.WriteLine($"The {command} benchmark reads the calling thread's CPU clock (clock_gettime): Linux only.");
        return false;
    }

    /// <summary>The calling thread's CPU time now, in nanoseconds (Linux only).</summary>
    /// <remarks>
    /// From clock_gettime(CLOCK_THREAD_CPUTIME_ID), which adds the time run since the scheduler last accounted it: the
    /// thread's own schedstat is accounted only at a switch or a tick, so a thread that ran without sleeping read as 0 or
    /// 4 ms for a send of 16 MB (the kernel's 250 Hz tick), where this reads 3.3 to 4.9 ms.
    /// </remarks>
    public static long CurrentThreadNanoseconds() =>
        ProcessCpuClock.TryRead(ClockThreadCpuTimeId, out var nanoseconds)
            ? nanoseconds
            : throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");

    private const int ClockThreadCpuTimeId = 3;

    /// <summary>A thread's run time in nanoseconds: the first field of its schedstat file.</summary>
    private static long RunTime(string schedstat) =>
        long.Parse(File.ReadAllText(schedstat).Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>
    /// The CPU time each thread name got between <paramref name="before"/> and <paramref name="after"/>, most first, threads
    /// of one name together (a thread that started meanwhile counts from zero).
    /// </summary>
    public static IReadOnlyList<ThreadTime> Between(Dictionary<int, (string Name, long Nanoseconds)> before,
        Dictionary<int, (string Name, long Nanoseconds)> after) =>
        after.Select(thread => (thread.Value.Name, Nanoseconds: thread.Value.Nanoseconds - (before.TryGetValue(thread.Key, out var earlier) ? earlier.Nanoseconds : 0)))
            .GroupBy(thread => thread.Name)
            .Select(name => new ThreadTime(name.Key, TimeSpan.FromMicroseconds(name.Sum(thread => thread.Nanoseconds) / 1000.0)))
            .Where(name => name.Cpu > TimeSpan.Zero)
            .OrderByDescending(name => name.Cpu)
            .ToList();
}

/// <summary>The CPU time of the threads of one name.</summary>
internal sealed record ThreadTime(string Name, TimeSpan Cpu);
