using System.Collections.Concurrent;
using Tributary.Broker.Log;
using Tributary.Broker.Tests.Groups;

namespace Tributary.Broker.Tests.Log;

/// <summary>
/// The log maintenance timer runs only the ticks of log.retention.check.interval.ms that can find work: the check says
/// when work could next come on its own, and appends, high watermark advances and config changes touch the timer.
/// </summary>
public class RetentionTimerTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly ManualTimeProvider _clock = new();
    private readonly List<long> _checks = [];
    private readonly long _start;
    private readonly RetentionTimer _timer;
    private Func<long, long> _nextWork = _ => long.MaxValue;

    public RetentionTimerTests()
    {
        _start = NowMs;
        _timer = new RetentionTimer(_clock, Interval, now =>
        {
            _checks.Add(now - _start);
            return _nextWork(now);
        });
        _timer.Start();
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public void The_first_tick_runs_the_check_and_ticks_without_work_are_skipped_after_it()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([1_000L], _checks);
    }

    [Fact]
    public void A_touch_brings_back_the_next_tick_of_the_fixed_schedule()
    {
        _clock.Advance(TimeSpan.FromMilliseconds(3_400));
        _timer.Touch();
        _timer.Touch(); // a second touch before the tick changes nothing
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([1_000L, 4_000L, 5_000L], _checks); // the tick after a touched interval keeps the next one
    }

    [Fact]
    public void Ticks_keep_coming_while_every_interval_sees_a_touch_and_stop_one_tick_after_the_last()
    {
        // A busy log is touched between every two ticks: the timer stays armed instead of going to sleep after each check
        // and being woken by the next append.
        _clock.Advance(TimeSpan.FromMilliseconds(1_500));
        for (var i = 0; i < 3; i++)
        {
            _timer.Touch();
            _clock.Advance(Interval);
        }
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([1_000L, 2_000L, 3_000L, 4_000L, 5_000L], _checks);
    }

    [Fact]
    public void Work_due_later_wakes_the_timer_on_the_first_tick_at_or_after_it()
    {
        _nextWork = now => now - _start < 5_000 ? _start + 6_500 : long.MaxValue;

        _clock.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal([1_000L, 7_000L], _checks);
    }

    [Fact]
    public void Work_due_by_the_next_tick_keeps_every_tick()
    {
        _nextWork = now => now - _start < 4_000 ? now : long.MaxValue;

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([1_000L, 2_000L, 3_000L, 4_000L], _checks);
    }

    [Fact]
    public void A_touch_while_the_check_runs_keeps_the_next_tick()
    {
        // An append between the check reading a log and the timer going to sleep must not be missed.
        _nextWork = now =>
        {
            if (now - _start == 1_000) _timer.Touch();
            return long.MaxValue;
        };

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([1_000L, 2_000L, 3_000L], _checks); // 2 s for the touch, 3 s as the tick after a touched interval
    }

    [Fact]
    public void Touches_before_the_start_wait_for_the_first_tick()
    {
        var checks = 0;
        var timer = new RetentionTimer(_clock, Interval, _ => { checks++; return long.MaxValue; });
        timer.Touch();
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, checks);

        timer.Start();
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, checks);
    }

    [Fact]
    public void A_far_deadline_still_ticks_once_a_day()
    {
        _nextWork = _ => long.MaxValue - 1;

        _clock.Advance(TimeSpan.FromDays(2) + Interval);

        Assert.Equal([1_000L, 86_401_000L, 172_801_000L], _checks);
    }
}

/// <summary>
/// On the system clock, once the logs have work, the ticks run on the timer's own thread, <c>Log maintenance</c>, which
/// sleeps between them; until then they are the clock's timers, so an idle broker runs no thread of its own. A touch wakes
/// the thread when it sleeps past the next tick, and stopping the timer waits for a check that is running.
/// </summary>
public class RetentionTimerOnTheSystemClockTests
{
    private const string ThreadName = "Log maintenance";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Once_a_tick_finds_work_the_next_ticks_run_on_the_log_maintenance_thread_on_the_fixed_schedule()
    {
        var ticks = new BlockingCollection<(string? Thread, long AtMs)>();
        var timer = new RetentionTimer(TimeProvider.System, Interval, now =>
        {
            ticks.Add((Thread.CurrentThread.Name, now));
            return now; // work due at once: every tick runs
        });
        var startMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        timer.Start();

        var first = Take(ticks);
        var second = Take(ticks);
        var third = Take(ticks);
        await timer.DisposeAsync();

        Assert.NotEqual(ThreadName, first.Thread); // the clock's timer
        Assert.Equal(ThreadName, second.Thread);
        Assert.Equal(ThreadName, third.Thread);
        // The ticks keep the fixed schedule (a late one shortens the wait for the next) and the thread's never run before
        // their time; the first, the runtime's timer's, may run up to 5 ms early and still counts as the first tick.
        Assert.InRange(third.AtMs, startMs + 3 * (long)Interval.TotalMilliseconds, long.MaxValue);
    }

    [Fact]
    public async Task Ticks_without_work_stay_the_clocks_timers_and_a_touch_starts_the_thread_for_the_next_tick()
    {
        var ticks = new BlockingCollection<string?>();
        var timer = new RetentionTimer(TimeProvider.System, Interval, _ =>
        {
            ticks.Add(Thread.CurrentThread.Name);
            return long.MaxValue; // nothing due: the timer sleeps for a day
        });
        timer.Start();
        var idle = Take(ticks);
        await Task.Delay(Interval * 3);
        Assert.Empty(ticks);

        timer.Touch();

        Assert.NotEqual(ThreadName, idle);
        Assert.Equal(ThreadName, Take(ticks));
        await timer.DisposeAsync();
    }

    [Fact]
    public async Task Stopping_waits_for_the_check_running_on_the_thread_and_no_check_runs_after_it()
    {
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var checks = 0;
        var timer = new RetentionTimer(TimeProvider.System, Interval, now =>
        {
            if (Interlocked.Increment(ref checks) == 2)
            {
                running.Set();
                release.Wait(Patience);
            }
            return now;
        });
        timer.Start();
        Assert.True(running.Wait(Patience));

        var stopping = timer.DisposeAsync().AsTask();
        await Task.Delay(Interval * 2);
        Assert.False(stopping.IsCompleted);
        release.Set();
        await stopping.WaitAsync(Patience);
        var checksWhenStopped = Volatile.Read(ref checks);
        await Task.Delay(Interval * 3);

        Assert.Equal(2, checksWhenStopped);
        Assert.Equal(checksWhenStopped, Volatile.Read(ref checks));
    }

    private static T Take<T>(BlockingCollection<T> ticks) =>
        ticks.TryTake(out var tick, Patience) ? tick : throw new TimeoutException("No tick came.");
}
