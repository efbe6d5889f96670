using Akka;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>Consumer settings that change behaviour: partition handler, stop timeout, commit timeout.</summary>
public sealed class ConsumerOptionTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private sealed class RecordingHandler : IPartitionEventHandler
    {
        public ConcurrentQueue<string> Events { get; } = new();

        public void OnAssign(IImmutableSet<TopicPartition> assigned, IRestrictedConsumer consumer) =>
            Events.Enqueue($"assign {Describe(assigned)} committed {string.Join(",", consumer.Committed(assigned, TimeSpan.FromSeconds(10)).Select(c => c.Offset.Value))}");

        public void OnRevoke(IImmutableSet<TopicPartitionOffset> revoked, IRestrictedConsumer consumer) =>
            Events.Enqueue($"revoke {Describe(revoked.Select(r => r.TopicPartition))}");

        public void OnLost(IImmutableSet<TopicPartitionOffset> lost, IRestrictedConsumer consumer) =>
            Events.Enqueue($"lost {Describe(lost.Select(r => r.TopicPartition))}");

        public void OnStop(IImmutableSet<TopicPartition> assigned, IRestrictedConsumer consumer) =>
            Events.Enqueue($"stop {Describe(assigned)} position {string.Join(",", assigned.OrderBy(p => p.Partition.Value).Select(p => consumer.Position(p).Value))}");

        private static string Describe(IEnumerable<TopicPartition> partitions) => string.Join(",", partitions.Select(p => p.Partition.Value).Order());
    }

    [Fact]
    public async Task The_partition_handler_sees_assignment_revocation_and_stop_with_a_usable_consumer()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, Values(2, "a"), partition: 0);
        var handler = new RecordingHandler();

        var control = await KafkaConsumer.PlainSource(ConsumerSettings(NewGroup()).WithPartitionHandler(handler), Subscriptions.Topics(topic))
            .Take(2)
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Left)
            .Run(Materializer)
            .IsShutdown.ContinueWith(_ => handler.Events.ToArray()).WaitAsync(Patience);

        Assert.Equal(["assign 0,1 committed -1001,-1001", "stop 0,1 position 2,-1001", "revoke 0,1"], control);
    }

    [Fact]
    public async Task With_the_consumer_group_protocol_the_partition_handler_hears_only_the_partitions_that_move()
    {
        var topic = await NewTopicAsync(partitions: 4);
        var group = NewGroup();
        var handler = new RecordingHandler();
        var first = KafkaConsumer.PlainSource(ConsumerSettings(group, GroupProtocol.Consumer).WithPartitionHandler(handler), Subscriptions.Topics(topic))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), DrainingControl<Done>.Create)
            .Run(Materializer);
        await EventuallyAsync(() => Task.FromResult(handler.Events.Contains("assign 0,1,2,3 committed -1001,-1001,-1001,-1001")), "the first source owns every partition");

        var second = KafkaConsumer.PlainSource(ConsumerSettings(group, GroupProtocol.Consumer), Subscriptions.Topics(topic))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), DrainingControl<Done>.Create)
            .Run(Materializer);
        await EventuallyAsync(async () => (await second.Metrics).AssignedPartitions.Count == 2, "the second source got half the partitions");
        var moved = (await second.Metrics).AssignedPartitions.Select(p => p.Partition.Value).Order().ToList();
        // librdkafka also calls the assignment callback with nothing added after a revocation: those calls are left out.
        string[] Heard() => handler.Events.Where(e => e != "assign  committed ").ToArray();
        await EventuallyAsync(() => Task.FromResult(Heard().Length == 2), "the first source heard of the revocation");
        Assert.Equal(["assign 0,1,2,3 committed -1001,-1001,-1001,-1001", $"revoke {string.Join(",", moved)}"], Heard());

        await second.DrainAndShutdown().WaitAsync(Patience);
        await EventuallyAsync(() => Task.FromResult(Heard().Length == 3), "the first source got the partitions back");
        Assert.Equal($"assign {string.Join(",", moved)} committed -1001,-1001", Heard().Last());
        await first.DrainAndShutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task The_stop_timeout_keeps_the_consumer_open_for_commits_after_downstream_cancels()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(3));

        async Task<long> CommittedAfterCancelAsync(TimeSpan stopTimeout)
        {
            var group = NewGroup();
            // Take cancels the source right after the third record; its commit is sent a little later.
            var control = KafkaConsumer.CommittableSource(ConsumerSettings(group).WithStopTimeout(stopTimeout), Subscriptions.Topics(topic))
                .Take(3)
                .SelectAsync(1, async m =>
                {
                    await Task.Delay(300);
                    await m.CommittableOffset.CommitAsync();
                    return m;
                })
                .ToMaterialized(Sink.Ignore<CommittableMessage<string, string>>(), Keep.Left)
                .Run(Materializer);
            await control.IsShutdown.WaitAsync(Patience);
            return (await CommittedAsync(group, topic, 1))[0];
        }

        Assert.Equal(3, await CommittedAfterCancelAsync(TimeSpan.FromSeconds(3)));
        Assert.True(await CommittedAfterCancelAsync(TimeSpan.Zero) < 3, "without a stop timeout the late commits are dropped");
    }

    [Fact]
    public async Task A_commit_not_acknowledged_within_the_commit_timeout_fails_with_CommitTimeoutException()
    {
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(1));
        var settings = ConsumerSettings(NewGroup()).WithCommitTimeout(TimeSpan.FromMilliseconds(200));

        // The stream stays open, so the consumer is alive and assigned when the commit is sent.
        var first = new TaskCompletionSource<CommittableMessage<string, string>>();
        var control = KafkaConsumer.CommittableSource(settings, Subscriptions.Topics(topic))
            .ToMaterialized(Sink.ForEach<CommittableMessage<string, string>>(m => first.TrySetResult(m)), Keep.Left)
            .Run(Materializer);
        var message = await first.Task.WaitAsync(Patience);

        using (Kafka.SlowDownBrokers(TimeSpan.FromSeconds(2)))
            await Assert.ThrowsAsync<CommitTimeoutException>(() => message.CommittableOffset.CommitAsync());
        await control.Shutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task Lost_partitions_reach_the_handler_and_the_source_carries_on_after_rejoining()
    {
        const short heartbeat = 12;
        var topic = await NewTopicAsync();
        await ProduceAsync(topic, Values(2, "before"));
        var handler = new RecordingHandler();
        var received = new ConcurrentQueue<string>();

        // A short session lets the group forget the lost member quickly.
        var settings = ConsumerSettings(NewGroup()).WithPartitionHandler(handler).WithProperty("session.timeout.ms", "1500");
        var control = KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
            .ToMaterialized(Sink.ForEach<ConsumeResult<string, string>>(r => received.Enqueue(r.Message.Value)), Keep.Left)
            .Run(Materializer);
        await EventuallyAsync(() => Task.FromResult(received.Count == 2), "records before the loss");

        Kafka.FailNextRequests(heartbeat, ErrorCode.UnknownMemberId);
        await EventuallyAsync(() => Task.FromResult(handler.Events.Any(e => e.StartsWith("lost"))), "partitions lost");
        await ProduceAsync(topic, Values(2, "after"));
        await EventuallyAsync(() => Task.FromResult(received.Contains("after1")), "records after rejoining");
        await control.Shutdown().WaitAsync(Patience);

        Assert.Contains("lost 0", handler.Events);
    }

    [Fact]
    public async Task A_commit_rejected_because_the_group_moved_on_is_dropped_not_failed()
    {
        const short offsetCommit = 8;
        var topic = await NewTopicAsync();
        var group = NewGroup();
        await ProduceAsync(topic, Values(2));
        var first = new TaskCompletionSource<CommittableMessage<string, string>>();
        var control = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(topic))
            .ToMaterialized(Sink.ForEach<CommittableMessage<string, string>>(m => first.TrySetResult(m)), Keep.Left)
            .Run(Materializer);
        var message = await first.Task.WaitAsync(Patience);

        Kafka.FailNextRequests(offsetCommit, ErrorCode.IllegalGeneration);
        await message.CommittableOffset.CommitAsync().WaitAsync(Patience);

        Assert.Equal(1, (await control.Metrics).OffsetsDropped);
        await control.Shutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task Metrics_count_records_and_carry_librdkafka_statistics_when_enabled()
    {
        var topic = await NewTopicAsync(partitions: 2);
        await ProduceAsync(topic, Values(5));
        var settings = ConsumerSettings(NewGroup()).WithProperty("statistics.interval.ms", "100");

        var control = KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Left)
            .Run(Materializer);
        await EventuallyAsync(async () => await control.Metrics is { RecordsConsumed: 5, Statistics: not null }, "records counted and statistics arrived");
        var metrics = await control.Metrics;
        await control.Shutdown().WaitAsync(Patience);

        Assert.Equal(2, metrics.AssignedPartitions.Count);
        Assert.Equal(5, metrics.RecordsConsumed);
        Assert.StartsWith("{", metrics.Statistics);
        Assert.Contains("\"rxmsgs\"", metrics.Statistics);
    }
}
