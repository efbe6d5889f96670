using System.Collections.Concurrent;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class ShutdownAndRestartTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    [Fact]
    public async Task DrainAndShutdown_commits_everything_processed_without_waiting_for_the_commit_interval()
    {
        var topic = await NewTopicAsync(partitions: 2);
        var group = NewGroup();
        await ProduceAsync(topic, Values(40));
        var processed = 0;
        var settings = CommitterSettings.Default.WithMaxInterval(TimeSpan.FromMinutes(10));

        var control = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .SelectAsync(4, async m =>
            {
                await Task.Delay(5);
                Interlocked.Increment(ref processed);
                return (ICommittable)m.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(settings), DrainingControl<Done>.Create)
            .Run(Materializer);
        await EventuallyAsync(() => Task.FromResult(Volatile.Read(ref processed) >= 10), "some records processed");

        await control.DrainAndShutdown().WaitAsync(Patience);

        Assert.True(control.IsShutdown.IsCompleted);
        Assert.Equal(Volatile.Read(ref processed), (await CommittedAsync(group, topic, 2)).Where(o => o > 0).Sum());
    }

    [Fact]
    public async Task Stop_completes_the_stream_but_keeps_the_consumer_for_commits_until_Shutdown()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(3));

        var (control, messages) = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .ToMaterialized(Sink.Seq<CommittableMessage<string, string>>(), Keep.Both)
            .Run(Materializer);
        await EventuallyAsync(async () => (await control.Metrics).RecordsConsumed >= 3, "three records consumed");
        await control.Stop().WaitAsync(Patience);
        var received = await messages.WaitAsync(Patience);
        Assert.False(control.IsShutdown.IsCompleted);

        await received[^1].CommittableOffset.CommitAsync().WaitAsync(Patience);
        await control.Shutdown().WaitAsync(Patience);

        Assert.Equal(new[] { (long)received.Count }, await CommittedAsync(group, topic, 1));
    }

    [Fact]
    public async Task A_pipeline_killed_without_draining_loses_nothing_when_restarted()
    {
        var topic = await NewTopicAsync(partitions: 3);
        var group = NewGroup();
        await ProduceAsync(topic, Values(90));
        var seen = new ConcurrentDictionary<string, int>();
        var committer = CommitterSettings.Default.WithMaxBatch(5).WithMaxInterval(TimeSpan.FromMilliseconds(50));

        (UniqueKillSwitch, Task<Done>) Run() => KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .ViaMaterialized(KillSwitches.Single<CommittableMessage<string, string>>(), Keep.Right)
            .Select(m =>
            {
                seen.AddOrUpdate(m.Record.Message.Value, 1, (_, n) => n + 1);
                return (ICommittable)m.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(committer), Keep.Both)
            .Run(Materializer);

        var (kill, first) = Run();
        await EventuallyAsync(() => Task.FromResult(seen.Count >= 30), "a third processed");
        kill.Abort(new Exception("killed"));
        await Assert.ThrowsAnyAsync<Exception>(() => first.WaitAsync(Patience));

        var (stop, second) = Run();
        await EventuallyAsync(() => Task.FromResult(seen.Count == 90), "every record processed after the restart");
        stop.Shutdown();
        await second.WaitAsync(Patience);
        Assert.Equal(Values(90).Order(), seen.Keys.Order());
    }

    [Fact]
    public async Task RestartSource_resumes_from_committed_offsets_after_a_failure()
    {
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(20));
        var failedOnce = 0;
        var processed = new ConcurrentQueue<string>();

        var restartable = RestartSource.OnFailuresWithBackoff(
            () => KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(topic))
                .SelectAsync(1, async m =>
                {
                    if (m.Record.Message.Value == "v10" && Interlocked.Exchange(ref failedOnce, 1) == 0)
                        throw new InvalidOperationException("transient processing failure");
                    await m.CommittableOffset.CommitAsync();
                    processed.Enqueue(m.Record.Message.Value);
                    return m.Record.Message.Value;
                }),
            RestartSettings.Create(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), 0));

        var values = await restartable.Take(20).RunWith(Sink.Seq<string>(), Materializer).WaitAsync(Patience);

        Assert.Equal(Values(20), values);
        Assert.Equal(1, failedOnce);
    }

    [Fact]
    public async Task Metrics_asked_while_or_after_the_consumer_closes_complete_instead_of_waiting_forever()
    {
        var shared = SharedKafkaConsumer<string, string>.Create(ConsumerSettings(NewGroup()));
        var closing = shared.DisposeAsync().AsTask();
        // Some of these are queued after the poll thread ran its last commands: they must still be answered.
        var racing = Enumerable.Range(0, 100).Select(_ => shared.GetMetricsAsync()).ToList();
        await closing.WaitAsync(Patience);
        racing.Add(shared.GetMetricsAsync());

        var snapshots = await Task.WhenAll(racing).WaitAsync(Patience);

        Assert.Empty(snapshots[^1].AssignedPartitions);
    }

    [Fact]
    public async Task Commits_racing_the_close_of_the_consumer_are_dropped_at_once_instead_of_timing_out()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(10));
        var settings = ConsumerSettings(NewGroup()).WithCommitTimeout(TimeSpan.FromMinutes(1));
        var (control, messages) = KafkaConsumer.CommittableSource(settings, Subscriptions.Assignment(new Confluent.Kafka.TopicPartition(topic, 0)))
            .Take(10)
            .ToMaterialized(Sink.Seq<CommittableMessage<string, string>>(), Keep.Both)
            .Run(Materializer);
        var offsets = (await messages.WaitAsync(Patience)).Select(m => m.CommittableOffset).ToList();

        var shutdown = control.Shutdown();
        var commits = new List<Task>();
        while (!shutdown.IsCompleted)
        {
            commits.AddRange(offsets.Select(offset => offset.CommitAsync()));
            await Task.Delay(1);
        }
        commits.AddRange(offsets.Select(offset => offset.CommitAsync()));

        // The commit timeout is a minute: a commit left in the queue of the closed consumer would wait for all of it.
        await Task.WhenAll(commits).WaitAsync(TimeSpan.FromSeconds(20));
    }
}
