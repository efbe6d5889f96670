namespace Tributary.Streams.Tests;

public sealed class InFlightRecordsTests
{
    [Fact]
    public void Counts_what_was_sent_and_not_acknowledged()
    {
        var records = new InFlightRecords(() => { });
        records.Sent();
        records.Sent();
        records.Sent();
        records.Refused();
        records.Acknowledged();

        Assert.Equal(1, records.Count);
        Assert.True(records.Below(2));
        Assert.False(records.Below(1));
    }

    [Fact]
    public void A_level_already_reached_arranges_no_wake_up()
    {
        var wakeUps = 0;
        var records = new InFlightRecords(() => wakeUps++);
        records.Sent();
        records.Acknowledged();

        Assert.False(records.WakeAtMost(0));
        records.Sent();
        records.Acknowledged();
        Assert.Equal(0, wakeUps);
    }

    [Fact]
    public void The_acknowledgement_that_reaches_the_level_wakes_the_sink_once()
    {
        var wakeUps = 0;
        var records = new InFlightRecords(() => wakeUps++);
        for (var i = 0; i < 4; i++) records.Sent();

        Assert.True(records.WakeAtMost(1));
        records.Acknowledged();
        records.Acknowledged();
        Assert.Equal(0, wakeUps);
        records.Acknowledged();
        Assert.Equal(1, wakeUps);
        records.Acknowledged();
        Assert.Equal(1, wakeUps);
    }

    [Fact]
    public async Task No_wake_up_is_lost_when_acknowledgements_race_the_sink()
    {
        // The sink sends up to a window, then waits for the count to fall to half of it; another thread
        // acknowledges as fast as it can. A lost wake-up would leave the sink waiting forever.
        const int Total = 200_000, Window = 64;
        using var woken = new SemaphoreSlim(0);
        var records = new InFlightRecords(() => woken.Release());
        using var toAcknowledge = new SemaphoreSlim(0);
        var acknowledger = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                await toAcknowledge.WaitAsync();
                records.Acknowledged();
            }
        });

        for (var sent = 0; sent < Total; sent++)
        {
            if (!records.Below(Window) && records.WakeAtMost(Window / 2))
                Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(10)), $"no wake-up after {sent} records");
            records.Sent();
            toAcknowledge.Release();
        }
        await acknowledger.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, records.Count);
    }
}
