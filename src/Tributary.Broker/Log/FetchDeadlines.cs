using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tributary.Broker.Log;

/// <summary>
/// Ends long-polling fetches at their max wait, on one thread of its own for the whole process, which answers each fetch
/// due itself: a fetch that no append ends costs one thread wake-up at its deadline, where the runtime's timers cost
/// about eight (its timer thread woke to schedule the timer and to fire it, then handed the callback to a pool worker,
/// which handed the fetch's continuation on; docs/benchmarks.md, issue 20, "Thirteenth round").
/// </summary>
/// <remarks>
/// <para>Deadlines are kept in one list in deadline order, so adding one (nearly always the latest) and removing one
/// (a fetch an append ended) take constant time under the list's lock, and nothing is allocated.</para>
/// <para>A deadline may be met up to <see cref="Tolerance"/> early, as Kafka's own timing wheel (1 ms ticks) expires
/// its delayed fetches in the tick their deadline falls in: the thread then wakes once where it would wake twice.</para>
/// <para>After it ends a fetch and has no deadline left, the thread sleeps for that fetch's max wait, until where the
/// connection's next fetch, if it comes within <see cref="Tolerance"/>, will be due: a client
/// fetching at a partition's end (every max wait) then costs one wake-up per round, and no thread needs to wake the
/// deadline thread to tell it of the next deadline.</para>
/// <para>Each fetch due runs its continuation on this thread, one after the other: its second read, encoding and
/// sending its answer, up to the connection's next read, which waits. So does Kafka, whose timer runs every expired
/// operation on one thread. Handing them to the thread pool instead cost a worker's wake-up each: the 3-broker
/// cluster's three connections of one consumer, which expire together, woke three threads a round instead of one.
/// An append or a closing connection ends a fetch through the thread pool, as before: never on the appending thread.</para>
/// <para>Only for <see cref="TimeProvider.System"/>: a cluster on another clock (a test's fake clock) ends each fetch
/// with a timer of that clock.</para>
/// </remarks>
internal sealed class FetchDeadlines
{
    /// <summary>How early a deadline may be met.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(1);

    private static readonly long ToleranceTicks = (long)(Tolerance.TotalSeconds * Stopwatch.Frequency);

    /// <summary>What <see cref="_sleepingUntil"/> holds while the thread is awake or already woken: it looks at the list before it sleeps again.</summary>
    private const long Awake = long.MinValue;

    /// <summary>The process's deadline thread, started at the first long poll.</summary>
    public static FetchDeadlines Shared => s_shared.Value;

    private static readonly Lazy<FetchDeadlines> s_shared = new(() => new FetchDeadlines());

    private readonly object _gate = new();
    private readonly WakeableSleep _sleep = new();
    private readonly List<Entry> _due = [];
    private Entry? _first;
    private Entry? _last;
    private long _sleepingUntil = Awake;
    private long _lingerUntil;

    private FetchDeadlines()
    {
        // The thread runs fetches' continuations, which bring their own execution context: it keeps none of the first caller's.
        using (ExecutionContext.SuppressFlow())
            new Thread(Run) { IsBackground = true, Name = "Fetch deadlines" }.Start();
    }

    /// <summary>A fetch that waits: linked into the list while its deadline is pending.</summary>
    public abstract class Entry
    {
        internal long Deadline;
        internal long MaxWaitTicks;
        internal Entry? Previous;
        internal Entry? Next;
        internal bool Listed;

        /// <summary>Ends the wait on the calling thread (the deadline thread): the fetch's continuation runs here.</summary>
        internal abstract void EndNow();
    }

    /// <summary>Ends <paramref name="entry"/> after <paramref name="maxWait"/> (or up to <see cref="Tolerance"/> sooner).</summary>
    public void Add(Entry entry, TimeSpan maxWait)
    {
        var maxWaitTicks = (long)Math.Min(maxWait.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
        bool wake;
        lock (_gate)
        {
            entry.MaxWaitTicks = maxWaitTicks;
            entry.Deadline = Stopwatch.GetTimestamp() + maxWaitTicks;
            // Nearly always the latest: fetches of one max wait arrive in deadline order.
            var after = _last;
            while (after is not null && after.Deadline > entry.Deadline) after = after.Previous;
            Link(entry, after);
            wake = entry.Deadline < _sleepingUntil;
            if (wake) _sleepingUntil = Awake; // woken once: it looks at the list before it sleeps again
        }
        if (wake) _sleep.Wake();
    }

    /// <summary>Forgets <paramref name="entry"/>'s deadline, if still pending (an append or the connection ended its wait).</summary>
    public void Remove(Entry entry)
    {
        lock (_gate)
        {
            if (entry.Listed) Unlink(entry);
        }
    }

    private void Run()
    {
        while (true)
        {
            TakeDueOrSleep();
            EndDue();
        }
    }

    /// <summary>
    /// Ends the fetches due, in a frame of their own: run in <see cref="Run"/>, which never returns, a stack slot of the
    /// loop kept the last fetch ended (and the logs it waited on) reachable while the thread slept, so a deleted topic's
    /// logs stayed until the next deadline (found with dotnet-dump's gcroot).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndDue()
    {
        foreach (var due in _due) due.EndNow();
        _due.Clear();
    }

    /// <summary>Moves the deadlines due into <see cref="_due"/>, or sleeps until the first one (or a nearer one added meanwhile).</summary>
    private void TakeDueOrSleep()
    {
        int generation, timeoutMs;
        lock (_gate)
        {
            _sleepingUntil = Awake;
            var now = Stopwatch.GetTimestamp();
            while (_first is { } due && due.Deadline - ToleranceTicks <= now)
            {
                Unlink(due);
                _due.Add(due);
                _lingerUntil = now + due.MaxWaitTicks;
            }
            if (_due.Count > 0) return;
            var until = _first?.Deadline ?? (_lingerUntil > now ? _lingerUntil : long.MaxValue);
            _sleepingUntil = until;
            generation = _sleep.Generation;
            timeoutMs = until == long.MaxValue ? Timeout.Infinite : MillisecondsUntil(now, until);
        }
        _sleep.Sleep(generation, timeoutMs);
    }

    private static int MillisecondsUntil(long now, long until) =>
        (int)Math.Clamp(Math.Ceiling((until - now) * 1000.0 / Stopwatch.Frequency), 1, int.MaxValue);

    private void Link(Entry entry, Entry? after)
    {
        entry.Previous = after;
        entry.Next = after is null ? _first : after.Next;
        if (entry.Next is null) _last = entry;
        else entry.Next.Previous = entry;
        if (after is null) _first = entry;
        else after.Next = entry;
        entry.Listed = true;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Previous is null) _first = entry.Next;
        else entry.Previous.Next = entry.Next;
        if (entry.Next is null) _last = entry.Previous;
        else entry.Next.Previous = entry.Previous;
        entry.Previous = entry.Next = null;
        entry.Listed = false;
    }
}
