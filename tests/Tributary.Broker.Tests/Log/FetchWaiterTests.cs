using System.Diagnostics;
using Tributary.Broker.Log;
using Tributary.Broker.Tests.Groups;

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

    [Fact]
    public async Task Waits_added_in_any_order_end_in_deadline_order_and_never_before_their_max_wait_less_a_millisecond()
    {
        int[] maxWaitsMs = [60, 20, 100, 40, 20, 80];
        var started = Stopwatch.GetTimestamp();
        var waits = maxWaitsMs.Select(ms => new RecordingWait(started)).ToArray();
        for (var i = 0; i < waits.Length; i++) FetchDeadlines.Shared.Add(waits[i], TimeSpan.FromMilliseconds(maxWaitsMs[i]));

        await Task.WhenAll(waits.Select(w => w.Ended.Task)).WaitAsync(TimeSpan.FromSeconds(10));

        for (var i = 0; i < waits.Length; i++)
            Assert.True(waits[i].Elapsed >= TimeSpan.FromMilliseconds(maxWaitsMs[i]) - FetchDeadlines.Tolerance,
                $"a wait of {maxWaitsMs[i]} ms ended after {waits[i].Elapsed.TotalMilliseconds:0.0} ms");
        var order = waits.Select((w, i) => (Ended: w.EndedAt, MaxWait: maxWaitsMs[i])).OrderBy(e => e.Ended).Select(e => e.MaxWait).ToArray();
        Assert.Equal(maxWaitsMs.Order(), order);
    }

    [Fact]
    public async Task A_removed_deadline_never_ends_its_wait()
    {
        var started = Stopwatch.GetTimestamp();
        var removed = new RecordingWait(started);
        var kept = new RecordingWait(started);
        FetchDeadlines.Shared.Add(removed, TimeSpan.FromMilliseconds(10));
        FetchDeadlines.Shared.Add(kept, TimeSpan.FromMilliseconds(50));
        FetchDeadlines.Shared.Remove(removed);

        await kept.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(removed.Ended.Task.IsCompleted);
    }

    [Fact]
    public async Task A_wait_on_another_clock_ends_when_that_clock_passes_max_wait()
    {
        var clock = new ManualTimeProvider();
        var wait = FetchWaiter.WaitAsync([new(new PartitionLog(), 0)], 1, TimeSpan.FromSeconds(5), clock, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(5));

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A deadline entry that records when the deadline thread ended it, from <c>started</c>.</summary>
    private sealed class RecordingWait(long started) : FetchDeadlines.Entry
    {
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long EndedAt { get; private set; }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(started, EndedAt);

        internal override void EndNow()
        {
            EndedAt = Stopwatch.GetTimestamp();
            Ended.TrySetResult();
        }
    }
}
