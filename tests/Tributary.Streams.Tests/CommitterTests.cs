using Akka.Streams;
using Akka.Streams.Dsl;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class CommitterTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IMaterializer Materializer => Sys.Materializer();

    [Fact]
    public async Task Batches_close_at_max_batch_and_commit_the_highest_offset_per_partition()
    {
        var committer = new RecordingCommitter();
        var offsets = Enumerable.Range(0, 7).Select(i => committer.Offset(i)).ToList();

        var batches = await Source.From(offsets)
            .Via(Committer.BatchFlow(CommitterSettings.Default.WithMaxBatch(3).WithMaxInterval(TimeSpan.FromMinutes(1))))
            .RunWith(Sink.Seq<ICommittableOffsetBatch>(), Materializer)
            .WaitAsync(Patience);

        Assert.Equal([3L, 3L, 1L], batches.Select(b => b.BatchSize));
        Assert.Equal([3L, 6L, 7L], committer.CommittedOffsets());
    }

    [Fact]
    public async Task Batches_close_at_max_interval_while_the_stream_is_still_running()
    {
        var committer = new RecordingCommitter();

        var first = Source.From([committer.Offset(0), committer.Offset(1)])
            .Concat(Source.Never<ICommittable>())
            .Via(Committer.BatchFlow(CommitterSettings.Default.WithMaxBatch(1000).WithMaxInterval(TimeSpan.FromMilliseconds(200))))
            .RunWith(Sink.First<ICommittableOffsetBatch>(), Materializer);

        var batch = await first.WaitAsync(Patience);
        Assert.Equal(2, batch.BatchSize);
        Assert.Equal([2L], committer.CommittedOffsets());
    }

    [Fact]
    public async Task NextOffsetObserved_holds_back_the_latest_offset_until_a_later_one_or_completion()
    {
        var committer = new RecordingCommitter();
        var settings = CommitterSettings.Default.WithMaxBatch(1).WithCommitWhen(CommitWhen.NextOffsetObserved);

        var (queue, done) = Source.Queue<ICommittable>(10, OverflowStrategy.Backpressure)
            .ToMaterialized(Committer.Sink(settings), Keep.Both)
            .Run(Materializer);
        foreach (var offset in new[] { 0, 1, 2 })
            await queue.OfferAsync(committer.Offset(offset));
        await AwaitConditionAsync(() => Task.FromResult(committer.CommittedOffsets().Length == 2), Patience);
        Assert.Equal([1L, 2L], committer.CommittedOffsets());

        queue.Complete();
        await done.WaitAsync(Patience);
        Assert.Equal([1L, 2L, 3L], committer.CommittedOffsets());
    }

    [Fact]
    public async Task WaitForAck_keeps_at_most_parallelism_commits_in_flight()
    {
        var release = new TaskCompletionSource();
        var committer = new RecordingCommitter(() => release.Task);
        var settings = CommitterSettings.Default.WithMaxBatch(1).WithParallelism(2);

        var done = Source.From(Enumerable.Range(0, 6).Select(i => committer.Offset(i)))
            .RunWith(Committer.Sink(settings), Materializer);
        await AwaitConditionAsync(() => Task.FromResult(committer.Commits.Count >= 2), Patience);
        await Task.Delay(200);
        Assert.Equal(2, committer.Commits.Count);
        Assert.False(done.IsCompleted);

        release.SetResult();
        await done.WaitAsync(Patience);
        Assert.Equal(2, committer.MaxInFlight);
        Assert.Equal(6L, committer.CommittedOffsets().Max());
    }

    [Fact]
    public async Task SendAndForget_does_not_wait_for_acknowledgements()
    {
        var committer = new RecordingCommitter(() => new TaskCompletionSource().Task);
        var settings = CommitterSettings.Default.WithMaxBatch(2).WithDelivery(CommitDelivery.SendAndForget);

        await Source.From(Enumerable.Range(0, 6).Select(i => committer.Offset(i)))
            .RunWith(Committer.Sink(settings), Materializer)
            .WaitAsync(Patience);

        Assert.Equal([2L, 4L, 6L], committer.CommittedOffsets());
    }

    [Fact]
    public async Task Flow_emits_Done_per_batch_and_offset_context_flows_commit_the_context()
    {
        var committer = new RecordingCommitter();
        var settings = CommitterSettings.Default.WithMaxBatch(2);

        var dones = await Source.From(Enumerable.Range(0, 4).Select(i => committer.Offset(i)))
            .Via(Committer.Flow(settings))
            .RunWith(Sink.Seq<Akka.Done>(), Materializer)
            .WaitAsync(Patience);
        Assert.Equal(2, dones.Count);

        var contextCommitter = new RecordingCommitter();
        var batches = await SourceWithContext.FromTuples(Source.From(Enumerable.Range(0, 3).Select(i => ($"e{i}", contextCommitter.ContextOffset(i, partition: 1)))))
            .Via(Committer.FlowWithOffsetContext<string>(settings))
            .AsSource()
            .RunWith(Sink.Seq<(Akka.NotUsed, ICommittableOffsetBatch)>(), Materializer)
            .WaitAsync(Patience);
        Assert.Equal(3, batches.Sum(b => b.Item2.BatchSize));
        Assert.Equal(3L, contextCommitter.CommittedOffsets(partition: 1).Max());

        var sinkCommitter = new RecordingCommitter();
        await Source.From(Enumerable.Range(0, 3).Select(i => ($"e{i}", sinkCommitter.ContextOffset(i))))
            .RunWith(Committer.SinkWithOffsetContext<string>(settings), Materializer)
            .WaitAsync(Patience);
        Assert.Equal(3L, sinkCommitter.CommittedOffsets().Max());
    }

    [Fact]
    public void Offset_batches_keep_the_highest_offset_per_partition_and_count_every_offset()
    {
        var committer = new RecordingCommitter();
        var batch = CommittableOffsetBatch.Empty
            .Updated(committer.Offset(5))
            .Updated(committer.Offset(3))
            .Updated(committer.Offset(1, partition: 1));
        var merged = CommittableOffsetBatch.Empty.Updated(batch).Updated(committer.Offset(9));

        Assert.Equal(3, batch.BatchSize);
        Assert.Equal(5, batch.Offsets[new GroupTopicPartition("group", "t", 0)]);
        Assert.Equal(1, batch.Offsets[new GroupTopicPartition("group", "t", 1)]);
        Assert.Equal(4, merged.BatchSize);
        Assert.Equal(9, merged.Offsets[new GroupTopicPartition("group", "t", 0)]);
        Assert.True(CommittableOffsetBatch.Empty.IsEmpty);
    }
}
