using Confluent.Kafka;

namespace Tributary.Streams.Tests;

public sealed class PartitionBufferTests
{
    private static ConsumeResult<string, string> Record(int partition, long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("t", partition, offset),
        Message = new Message<string, string> { Value = $"{partition}@{offset}" },
    };

    private static List<string> TakeAll(PartitionBuffer<string, string> buffer)
    {
        var taken = new List<string>();
        while (buffer.TryTake(out var record, out _) == TakeOutcome.Record)
            taken.Add(record!.Message.Value);
        return taken;
    }

    [Fact]
    public void Dropping_a_revoked_partition_removes_only_its_records()
    {
        var buffer = new PartitionBuffer<string, string>(100, () => { });
        foreach (var (partition, offset) in new[] { (0, 0L), (1, 0L), (0, 1L), (1, 1L) })
            buffer.Add(Record(partition, offset));
        buffer.Publish();
        buffer.Add(Record(1, 2));

        buffer.Drop(new TopicPartition("t", 1));
        buffer.Publish();

        Assert.Equal(["0@0", "0@1"], TakeAll(buffer));
    }

    [Fact]
    public void A_full_buffer_stops_wanting_records_advises_pausing_at_twice_full_and_wakes_the_poll_thread_at_half()
    {
        var wakes = 0;
        var buffer = new PartitionBuffer<string, string>(4, () => wakes++);
        for (var i = 0; i < 4; i++)
            buffer.Add(Record(0, i));
        buffer.Publish();
        Assert.False(buffer.WantsRecords());
        Assert.False(buffer.ShouldPause());

        for (var i = 4; i < 8; i++)
            buffer.Add(Record(0, i));
        buffer.Publish();
        Assert.True(buffer.ShouldPause());

        for (var taken = 0; taken < 5; taken++)
            buffer.TryTake(out _, out _);
        Assert.False(buffer.WantsRecords());
        Assert.True(buffer.ShouldPause());
        Assert.Equal(0, wakes);

        buffer.TryTake(out _, out _);
        Assert.Equal(1, wakes);
        Assert.True(buffer.WantsRecords());
        Assert.False(buffer.ShouldPause());
    }

    [Fact]
    public void A_failure_surfaces_after_the_records_before_it_and_close_completes_the_reader()
    {
        var buffer = new PartitionBuffer<string, string>(10, () => { });
        buffer.Add(Record(0, 0));
        buffer.Fail(new InvalidOperationException("boom"));
        buffer.Add(Record(0, 1));
        buffer.Publish();

        Assert.Equal(TakeOutcome.Record, buffer.TryTake(out _, out _));
        buffer.Close();
        Assert.Equal(TakeOutcome.Failed, buffer.TryTake(out _, out var error));
        Assert.Equal("boom", error!.Message);

        var closing = new PartitionBuffer<string, string>(10, () => { });
        closing.Add(Record(0, 0));
        closing.Publish();
        closing.Close();
        Assert.Equal(TakeOutcome.Closed, closing.TryTake(out _, out _));
        Assert.False(closing.WantsRecords());
        Assert.True(closing.ShouldPause());
    }

    [Fact]
    public void A_waiting_reader_is_notified_once_when_records_arrive()
    {
        var notified = 0;
        var buffer = new PartitionBuffer<string, string>(10, () => { });
        buffer.Attach(() => notified++);
        Assert.Equal(TakeOutcome.Empty, buffer.TryTake(out _, out _));

        buffer.Add(Record(0, 0));
        buffer.Add(Record(0, 1));
        Assert.Equal(0, notified);
        buffer.Publish();
        buffer.Publish();

        Assert.Equal(1, notified);
    }

    [Fact]
    public void Records_the_reader_already_took_are_not_emitted_once_their_partition_is_dropped_or_the_buffer_closed()
    {
        var buffer = new PartitionBuffer<string, string>(100, () => { });
        foreach (var (partition, offset) in new[] { (0, 0L), (1, 0L), (0, 1L), (1, 1L), (0, 2L) })
            buffer.Add(Record(partition, offset));
        buffer.Publish();

        // The first take moves the published batch into the reader's own queue.
        Assert.Equal(TakeOutcome.Record, buffer.TryTake(out var first, out _));
        buffer.Drop(new TopicPartition("t", 1));

        Assert.Equal("0@0", first!.Message.Value);
        Assert.Equal(TakeOutcome.Record, buffer.TryTake(out var second, out _));
        Assert.Equal("0@1", second!.Message.Value);
        buffer.Close();
        Assert.Equal(TakeOutcome.Closed, buffer.TryTake(out _, out _));
    }

    [Fact]
    public void A_reader_attached_after_another_detached_gets_the_records_its_predecessor_took()
    {
        var buffer = new PartitionBuffer<string, string>(100, () => { });
        buffer.Attach(() => { });
        for (var offset = 0; offset < 3; offset++)
            buffer.Add(Record(0, offset));
        buffer.Publish();
        buffer.TryTake(out _, out _);
        buffer.Detach();

        var notified = 0;
        buffer.Attach(() => notified++);

        Assert.Equal(1, notified);
        Assert.Equal(["0@1", "0@2"], TakeAll(buffer));
    }

    [Fact]
    public void The_reader_takes_published_records_in_batches_of_a_quarter_of_the_capacity_and_they_count_until_its_next_batch()
    {
        var buffer = new PartitionBuffer<string, string>(8, () => { });
        for (var offset = 0; offset < 8; offset++)
            buffer.Add(Record(0, offset));
        buffer.Publish();

        buffer.TryTake(out _, out _);
        // Two taken (one handed out): six published plus the one the reader holds.
        Assert.Equal(7, buffer.Count);
        buffer.TryTake(out _, out _);
        Assert.Equal(7, buffer.Count);
        buffer.TryTake(out _, out _);
        Assert.Equal(5, buffer.Count);
        Assert.Equal(["0@3", "0@4", "0@5", "0@6", "0@7"], TakeAll(buffer));
    }
}
