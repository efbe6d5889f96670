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

        Assert.Equal([1_000L, 4_000L], _checks);
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

        Assert.Equal([1_000L, 2_000L], _checks);
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
