using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Streams.Tests;

/// <summary>The drain on revoke, without a cluster: what the poll thread does inside librdkafka's revoke callback.</summary>
public sealed class TransactionalSourceStateTests
{
    private static readonly TopicPartition Revoked = new("t", 0);
    private static readonly TopicPartition Kept = new("t", 1);

    /// <summary>A source's state with one flow registered, and that flow.</summary>
    private static (TransactionalSourceState State, RecordingSink Sink) WithOneFlow(TimeSpan commitTimeout)
    {
        var state = TransactionalSourceState.Of(new NoCommitter(),
            ConsumerSettings<string, string>.Create(Deserializers.Utf8, Deserializers.Utf8).WithCommitTimeout(commitTimeout), commitsToGroup: true);
        var sink = new RecordingSink();
        state.Register(sink);
        return (state, sink);
    }

    [Fact]
    public void A_revoked_partition_whose_records_are_not_committed_in_time_aborts_the_flows_with_a_drain_timeout()
    {
        var (state, sink) = WithOneFlow(TimeSpan.FromMilliseconds(300));
        state.Emit(new TopicPartitionOffset(Revoked, 41));

        var clock = Stopwatch.StartNew();
        state.DrainRevoked(new HashSet<TopicPartition> { Revoked });

        Assert.Equal(1, sink.CommitsAsked);
        var reason = Assert.IsType<TransactionDrainTimeoutException>(Assert.Single(sink.Aborts));
        Assert.Contains($"{Revoked.Topic}-{Revoked.Partition.Value}", reason.Message); // partitions as Kafka writes them, t-0
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"returned after {clock.Elapsed}, before the timeout");
    }

    [Fact]
    public async Task A_commit_that_covers_the_revoked_records_ends_the_drain_without_aborting()
    {
        var (state, sink) = WithOneFlow(TimeSpan.FromSeconds(30));
        state.Emit(new TopicPartitionOffset(Revoked, 41));
        state.Emit(new TopicPartitionOffset(Kept, 7));

        var drain = Task.Run(() => state.DrainRevoked(new HashSet<TopicPartition> { Revoked }));
        await sink.CommitAsked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        state.Committed(new Dictionary<TopicPartition, long> { [Revoked] = 41 });
        Assert.False(drain.IsCompleted, "a commit up to offset 41 leaves record 41 uncommitted");
        state.Committed(new Dictionary<TopicPartition, long> { [Revoked] = 42 });
        await drain.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(sink.Aborts);
    }

    [Fact]
    public void Nothing_emitted_or_no_flow_registered_means_nothing_to_wait_for()
    {
        var (state, sink) = WithOneFlow(TimeSpan.FromSeconds(30));
        state.Emit(new TopicPartitionOffset(Kept, 7));
        state.DrainRevoked(new HashSet<TopicPartition> { Revoked });

        state.Emit(new TopicPartitionOffset(Revoked, 3));
        state.Unregister(sink);
        state.DrainRevoked(new HashSet<TopicPartition> { Revoked });

        Assert.Equal(0, sink.CommitsAsked);
        Assert.Empty(sink.Aborts);
    }

    private sealed class NoCommitter : IOffsetCommitter
    {
        public string GroupId => "group";

        public Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A transactional source commits through its flows.");
    }

    private sealed class RecordingSink : ITransactionalSink
    {
        public TaskCompletionSource CommitAsked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int CommitsAsked { get; private set; }

        public List<Exception> Aborts { get; } = [];

        public void CommitSoon()
        {
            CommitsAsked++;
            CommitAsked.TrySetResult();
        }

        public void Abort(Exception reason) => Aborts.Add(reason);
    }
}
