using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Log;

/// <summary>
/// The sleep of the broker's background threads: a wake that comes between the sleeper's decision and its sleep is not
/// lost, a wake ends a sleep in progress, and a sleep without a wake ends at its timeout.
/// </summary>
public class WakeableSleepTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_wake_after_the_generation_was_read_makes_the_sleep_return_at_once()
    {
        var sleep = new WakeableSleep();
        var generation = sleep.Generation;

        sleep.Wake();

        await Task.Run(() => sleep.Sleep(generation, Timeout.Infinite)).WaitAsync(Patience);
        Assert.NotEqual(generation, sleep.Generation);
    }

    [Fact]
    public async Task A_wake_ends_a_sleep_in_progress()
    {
        var sleep = new WakeableSleep();
        using var started = new ManualResetEventSlim();
        var sleeper = new Thread(() =>
        {
            var generation = sleep.Generation;
            started.Set();
            while (sleep.Generation == generation) sleep.Sleep(generation, Timeout.Infinite); // early returns look again
        });
        sleeper.Start();
        Assert.True(started.Wait(Patience));
        await Task.Delay(50); // most likely asleep by now; a wake before the sleep must end it all the same

        sleep.Wake();

        Assert.True(sleeper.Join(Patience));
    }

    [Fact]
    public async Task A_sleep_without_a_wake_ends_at_its_timeout()
    {
        var sleep = new WakeableSleep();
        var generation = sleep.Generation;

        await Task.Run(() => sleep.Sleep(generation, 20)).WaitAsync(Patience);
        Assert.Equal(generation, sleep.Generation);
    }
}
