namespace Tributary.Broker.Log;

/// <summary>
/// Runs the log maintenance check (retention, compaction, flush.ms) on Kafka's log.retention.check.interval.ms
/// ticks, but only the ticks that can find work: the check says when a log would next have work if nothing new
/// arrived, and the logs <see cref="Touch"/> the timer whenever something new does (an append, a high watermark
/// advance) and the controller when a config changes. A tick that runs is always one of the ticks Kafka's fixed
/// schedule would run (multiples of the interval since <see cref="Start"/>), so what is deleted, and when, does not
/// change; the ticks skipped are those that would have found nothing.
/// </summary>
/// <remarks>
/// Measured reason: each tick wakes the timer thread and a thread-pool worker, about 0.25 ms of CPU on this 2-core
/// virtual machine for a tick that finds nothing, which with the 100 ms interval of the benchmarks' bounded retention
/// was most of an idle broker's CPU and a share of every short client session's (docs/benchmarks.md, issue 20).
/// <para>On the system clock, once the next tick of the schedule is armed (the logs have work), the ticks run on a thread of
/// the timer's own, <c>Log maintenance</c>, which sleeps until the next tick and runs the check itself, as Kafka's
/// scheduler thread does: one thread wake-up a tick. The runtime's timers took several (the timer thread woke to fire the
/// tick and again each time the tick re-armed it, then handed the check to a pool worker): 6% of the broker's CPU in the
/// benchmark's produce at 100 ms ticks (docs/benchmarks.md, issue 20, "Sixteenth round"). Until then the ticks are the
/// clock's timers, so that a broker that has stored nothing runs no thread of its own; on another clock (a test's fake
/// clock) they always are.</para>
/// <para>A tick after an interval that saw a touch keeps the next tick armed even when its check finds nothing due: logs that
/// were just appended to are likely appended to again. Measured reason: under a steady produce with size-bounded retention
/// each check left nothing due, so the timer went to sleep for the day and the next append, a few milliseconds later,
/// had to wake it (a system call on the appending thread, and the timer thread woken only to sleep until the next tick):
/// a standalone broker's timer thread woke about 111 times in a 4.5 s produce session of the benchmarks' client (45 ticks),
/// 43 times since (docs/benchmarks.md, issue 20, "Twenty-first round"). Once the appends stop, one more tick runs and finds
/// nothing.</para>
/// <para>Thread-safety: <see cref="Touch"/> runs on any thread, usually an appending one, and costs one volatile read
/// while the timer already knows of new work. The two flags follow Dekker's pattern: a touch sets <c>_touched</c>,
/// then looks at <c>_asleep</c>; a tick that decides to sleep arms its far deadline, sets <c>_asleep</c>, then looks at
/// <c>_touched</c>. Each writes with a full fence before it reads, so at least one of them sees the other and arms the
/// next tick; the timer is armed only by a tick or by the touch that clears <c>_asleep</c>.</para>
/// </remarks>
internal sealed class RetentionTimer : IAsyncDisposable
{
    /// <summary>The longest a timer sleeps without a touch: a day, so no delay overflows a timer and a far deadline costs one tick a day.</summary>
    private const long MaxSleepMs = 24 * 60 * 60 * 1000;

    /// <summary>
    /// How early by this timer's clock a tick of the runtime's timers may fire: they count on a coarse monotonic clock
    /// (4 ms steps here, CLOCK_MONOTONIC_COARSE), this timer on the wall clock in milliseconds. In CI one fired early and its tick ran twice.
    /// </summary>
    private const long EarlyMs = 5;

    private readonly TimeProvider _time;
    private readonly long _intervalMs;
    private readonly Func<long, long> _check;
    private readonly object _threadGate = new(); // starting the thread, stopping the timer
    private ITimer? _timer; // the ticks until the thread starts (for ever on a clock other than the system's)
    private TickThread? _thread; // the ticks once the logs have had work, on the system clock
    private bool _stopped;
    private long _originMs;
    private int _touched; // something changed since the last check began
    private int _asleep; // the timer waits for a deadline past the next tick: a touch must bring the next tick back

    /// <param name="time">The cluster's clock.</param>
    /// <param name="interval">log.retention.check.interval.ms.</param>
    /// <param name="check">
    /// Runs the check at the given time (Unix ms) and returns the earliest time at which some log could have work if
    /// nothing were appended and no high watermark moved (<see cref="long.MaxValue"/>: none).
    /// </param>
    public RetentionTimer(TimeProvider time, TimeSpan interval, Func<long, long> check)
    {
        _time = time;
        _intervalMs = Math.Max(1, (long)interval.TotalMilliseconds);
        _check = check;
    }

    /// <summary>Starts the ticks: the first comes one interval from now.</summary>
    public void Start()
    {
        _originMs = NowMs;
        Volatile.Write(ref _touched, 0); // the first tick's check sees whatever came before it: that is not a busy interval
        _timer = _time.CreateTimer(_ => Tick(), null, TimeSpan.FromMilliseconds(_intervalMs), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Something changed that may give the check work: the next tick runs it.</summary>
    public void Touch()
    {
        if (Volatile.Read(ref _touched) == 1) return;
        Interlocked.Exchange(ref _touched, 1);
        if (Volatile.Read(ref _asleep) == 1 && Interlocked.CompareExchange(ref _asleep, 0, 1) == 1) ArmAt(NextTickAfter(NowMs));
    }

    private void Tick()
    {
        Volatile.Write(ref _asleep, 0);
        var busy = Interlocked.Exchange(ref _touched, 0) == 1;
        var now = NowMs;
        var due = Math.Min(_check(now), now + MaxSleepMs);
        var next = NextTickFrom(now);
        if (busy || due <= next || Volatile.Read(ref _touched) == 1)
        {
            ArmAt(next);
            return;
        }
        ArmAt(TickAtOrAfter(due));
        Interlocked.Exchange(ref _asleep, 1);
        if (Volatile.Read(ref _touched) == 1 && Interlocked.CompareExchange(ref _asleep, 0, 1) == 1) ArmAt(next);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The next tick for a tick running at <paramref name="nowMs"/>: a tick up to <see cref="EarlyMs"/> before its time (the
    /// runtime's timers count on another clock than this one's) stands for that tick, so the next is the one after it, not
    /// that tick again a millisecond later.
    /// </summary>
    private long NextTickFrom(long nowMs) => NextTickAfter(nowMs + Math.Min(EarlyMs, _intervalMs - 1));

    /// <summary>The first tick of the fixed schedule after <paramref name="nowMs"/>.</summary>
    private long NextTickAfter(long nowMs) => _originMs + (Math.Max(0, nowMs - _originMs) / _intervalMs + 1) * _intervalMs;

    /// <summary>The first tick of the fixed schedule at or after <paramref name="dueMs"/>.</summary>
    private long TickAtOrAfter(long dueMs) => _originMs + (dueMs - _originMs + _intervalMs - 1) / _intervalMs * _intervalMs;

    private void ArmAt(long tickMs)
    {
        if ((Volatile.Read(ref _thread) ?? StartThreadFor(tickMs)) is { } thread)
        {
            thread.WakeAt(tickMs);
            return;
        }
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, tickMs - NowMs));
        try
        {
            _timer?.Change(delay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The cluster stopped between the check and the re-arm.
        }
    }

    /// <summary>
    /// The thread for a tick at <paramref name="tickMs"/>, started now if it is the next tick on the system clock (the clock's
    /// timer, which ticked until then, stops); null while the ticks stay the clock's timers. The next tick, as a tick that
    /// fired early sees it: then it is up to <see cref="EarlyMs"/> more than one interval away (in CI such a tick left the
    /// ticks on the clock's timer).
    /// </summary>
    private TickThread? StartThreadFor(long tickMs)
    {
        if (_time != TimeProvider.System || tickMs > NextTickFrom(NowMs)) return null;
        lock (_threadGate)
        {
            if (_thread is null && !_stopped && _timer is not null)
            {
                Volatile.Write(ref _thread, new TickThread(this));
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            return _thread;
        }
    }

    /// <summary>Stops the ticks, waiting for one that is running.</summary>
    public async ValueTask DisposeAsync()
    {
        TickThread? thread;
        lock (_threadGate)
        {
            _stopped = true;
            thread = _thread;
        }
        if (_timer is { } timer) await timer.DisposeAsync().ConfigureAwait(false);
        if (thread is not null) await thread.StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The thread that runs the ticks on the system clock once started: it sleeps until the time last set
    /// (<see cref="WakeAt"/>, the latest call wins, as with <see cref="ITimer.Change"/>), then runs <see cref="Tick"/>,
    /// which sets the next time while the thread is awake, so that a busy log costs no wake-up but the tick's own. A touch
    /// from another thread that brings the tick nearer wakes it to sleep again until then.
    /// </summary>
    private sealed class TickThread
    {
        private readonly RetentionTimer _owner;
        private readonly object _gate = new();
        private readonly WakeableSleep _sleep = new();
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _wakeAtMs = long.MaxValue;
        private bool _stopping;
        private bool _sleeping; // asleep or about to be, and not yet woken: a change must wake it

        public TickThread(RetentionTimer owner)
        {
            _owner = owner;
            // The checks bring no caller's execution context: the thread keeps none of the starting one's.
            using (ExecutionContext.SuppressFlow())
                new Thread(Run) { IsBackground = true, Name = "Log maintenance" }.Start();
        }

        public void WakeAt(long tickMs)
        {
            lock (_gate)
            {
                _wakeAtMs = tickMs;
                if (!TakeSleeping()) return; // the tick itself re-arming: no system call
            }
            _sleep.Wake();
        }

        public ValueTask StopAsync()
        {
            bool wake;
            lock (_gate)
            {
                _stopping = true;
                wake = TakeSleeping();
            }
            if (wake) _sleep.Wake();
            return new ValueTask(_exited.Task);
        }

        /// <summary>True (once) when the thread sleeps or is about to: the caller must wake it, outside the lock.</summary>
        private bool TakeSleeping()
        {
            var sleeping = _sleeping;
            _sleeping = false;
            return sleeping;
        }

        private void Run()
        {
            try
            {
                while (SleepUntilTick()) _owner.Tick();
            }
            finally
            {
                _exited.SetResult();
            }
        }

        /// <summary>Sleeps until the tick is due (true) or the timer stops (false).</summary>
        private bool SleepUntilTick()
        {
            while (true)
            {
                int generation;
                long waitMs;
                lock (_gate)
                {
                    _sleeping = false;
                    if (_stopping) return false;
                    waitMs = _wakeAtMs - _owner.NowMs;
                    if (waitMs <= 0)
                    {
                        _wakeAtMs = long.MaxValue;
                        return true;
                    }
                    _sleeping = true;
                    generation = _sleep.Generation;
                }
                _sleep.Sleep(generation, (int)Math.Min(waitMs, int.MaxValue));
            }
        }
    }
}
