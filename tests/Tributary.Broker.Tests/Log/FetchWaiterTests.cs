using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Log;

public class FetchWaiterTests
{
    private static readonly AppendOptions Options = new(0, 0, false, 1_048_588);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Completes_as_soon_as_an_append_brings_enough_bytes()
    {
        var quiet = new PartitionLog();
        var busy = new PartitionLog();
        var wait = FetchWaiter.WaitAsync([new(quiet, 0), new(busy, 0)], minBytes: 1, Long, TimeProvider.System, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        busy.Append(TestBatches.Create(), Options);

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Keeps_waiting_while_appends_stay_below_min_bytes()
    {
        var log = new PartitionLog();
        var batch = TestBatches.Create(1, valueSize: 10);
        var wait = FetchWaiter.WaitAsync([new(log, 0)], minBytes: batch.Length * 2, Long, TimeProvider.System, CancellationToken.None);

        log.Append(batch, Options);
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);
        log.Append(TestBatches.Create(1, valueSize: 10), Options);

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Completes_after_max_wait_without_data()
    {
        var log = new PartitionLog();
        await FetchWaiter.WaitAsync([new(log, 0)], 1, TimeSpan.FromMilliseconds(20), TimeProvider.System, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Returns_at_once_when_data_is_already_there_or_min_bytes_is_zero()
    {
        var log = new PartitionLog();
        Assert.True(FetchWaiter.WaitAsync([new(log, 0)], 0, Long, TimeProvider.System, CancellationToken.None).IsCompleted);
        log.Append(TestBatches.Create(), Options);
        Assert.True(FetchWaiter.WaitAsync([new(log, 0)], 1, Long, TimeProvider.System, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_quietly()
    {
        using var cts = new CancellationTokenSource();
        var wait = FetchWaiter.WaitAsync([new(new PartitionLog(), 0)], 1, Long, TimeProvider.System, cts.Token);
        cts.Cancel();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
