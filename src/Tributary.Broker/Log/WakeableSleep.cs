using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tributary.Broker.Log;

/// <summary>
/// The sleep of one of the broker's own threads (the fetch deadline thread, the log maintenance thread) that other threads
/// can cut short. An event count: the sleeper reads <see cref="Generation"/> while it decides to sleep (under its own lock),
/// leaves the lock, then calls <see cref="Sleep"/>, which returns at once if a <see cref="Wake"/> came in between, so no
/// wake-up is lost and none is taken under a lock.
/// </summary>
/// <remarks>
/// <para>On Linux (x64 and arm64) the sleep is a futex wait on a word of its own, and a wake a futex wake; elsewhere a
/// monitor's wait and pulse. Measured reason: on the benchmark machine a thread sleeping 1 ms at a time spent a median
/// 18.3 µs of CPU a sleep in a timed <see cref="Monitor.Wait(object, int)"/> (the runtime's wait goes through its own
/// synchronization layer to a condition variable) against 11.9 µs in a futex wait, little more than the kernel's part of
/// any sleep (the benchmarks' <c>sleeps</c> command; docs/benchmarks.md, issue 20, "Twenty-first round"). Both threads
/// sleep once a tick or a deadline.</para>
/// <para>A wake is a system call even when no thread sleeps: callers wake only a thread they know sleeps (or is about to),
/// as they did with <see cref="Monitor.Pulse"/>, whose call without a waiter costs nothing.</para>
/// </remarks>
internal sealed unsafe partial class WakeableSleep
{
    private const int FutexWaitPrivate = 128; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
    private const int FutexWakePrivate = 129; // FUTEX_WAKE | FUTEX_PRIVATE_FLAG

    /// <summary>The futex system call's number on this machine, or 0 where the monitor stands in.</summary>
    private static readonly long s_futex = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => 0,
    };

    // The futex word: in an array on the pinned heap, so its address stays while the kernel may hold it.
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);
    private readonly object _monitor = new();

    /// <summary>Changes with every <see cref="Wake"/>: what <see cref="Sleep"/> compares with.</summary>
    public int Generation => Volatile.Read(ref _word[0]);

    /// <summary>
    /// Sleeps for up to <paramref name="timeoutMs"/> (<see cref="Timeout.Infinite"/>: until woken) unless <see cref="Wake"/>
    /// was called since <paramref name="generation"/> was read. May return early for no reason: callers look again.
    /// </summary>
    public void Sleep(int generation, int timeoutMs)
    {
        if (s_futex == 0)
        {
            lock (_monitor)
            {
                if (Generation == generation) Monitor.Wait(_monitor, timeoutMs);
            }
            return;
        }
        var timeout = new Timespec(timeoutMs / 1000, timeoutMs % 1000 * 1_000_000L);
        // Returns on a wake, at the timeout, on a signal, or at once (EAGAIN) if the word moved on: all the same here.
        _ = syscall(s_futex, Word, FutexWaitPrivate, generation, timeoutMs < 0 ? null : &timeout, 0, 0);
    }

    /// <summary>Ends the sleep the thread is in or is about to begin.</summary>
    public void Wake()
    {
        Interlocked.Increment(ref _word[0]);
        if (s_futex == 0)
        {
            lock (_monitor) Monitor.PulseAll(_monitor);
            return;
        }
        _ = syscall(s_futex, Word, FutexWakePrivate, 1, null, 0, 0);
    }

    private int* Word => (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_word));

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Timespec(long Seconds, long Nanoseconds);

    // No SetLastError: the result is never looked at (see Sleep), so errno need not be saved on every call.
    [LibraryImport("libc")]
    private static partial long syscall(long number, int* word, int operation, int value, Timespec* timeout, nint word2, int value3);
}
