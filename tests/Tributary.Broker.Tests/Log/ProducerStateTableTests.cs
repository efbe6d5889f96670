using Tributary.Broker.Log;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Log;

public class ProducerStateTableTests
{
    private readonly ProducerStateTable _table = new();

    [Fact]
    public void A_new_producer_may_start_at_any_sequence()
    {
        Assert.Equal(ErrorCode.None, _table.Check(7, 0, 42, 45).Error);
    }

    [Fact]
    public void The_next_sequence_is_accepted_and_a_gap_is_out_of_order()
    {
        _table.Record(7, 0, 0, 4, baseOffset: 100, lastOffset: 104);
        Assert.Equal(ErrorCode.None, _table.Check(7, 0, 5, 9).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, _table.Check(7, 0, 6, 9).Error);
    }

    [Fact]
    public void Any_of_the_last_five_batches_is_a_duplicate_answered_with_its_offset()
    {
        for (var i = 0; i < 6; i++) _table.Record(7, 0, i * 2, i * 2 + 1, baseOffset: i * 10, lastOffset: i * 10 + 1);

        var duplicate = _table.Check(7, 0, 4, 5);
        Assert.Equal(ErrorCode.DuplicateSequenceNumber, duplicate.Error);
        Assert.Equal(20, duplicate.DuplicateBaseOffset);
        // The first batch fell out of the window of five: it is now merely out of order.
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, _table.Check(7, 0, 0, 1).Error);
    }

    [Fact]
    public void An_older_epoch_is_fenced_and_a_newer_one_must_restart_at_zero()
    {
        _table.Record(7, 3, 0, 0, 0, 0);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, _table.Check(7, 2, 1, 1).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, _table.Check(7, 4, 1, 1).Error);
        Assert.Equal(ErrorCode.None, _table.Check(7, 4, 0, 3).Error);
    }

    [Fact]
    public void Sequences_wrap_after_int_max()
    {
        _table.Record(7, 0, int.MaxValue - 1, int.MaxValue, 0, 1);
        Assert.Equal(ErrorCode.None, _table.Check(7, 0, 0, 2).Error);
    }

    [Fact]
    public void Producers_are_tracked_independently()
    {
        _table.Record(7, 0, 0, 0, 0, 0);
        Assert.Equal(ErrorCode.None, _table.Check(8, 0, 0, 0).Error);
    }

    [Fact]
    public void After_its_batches_leave_the_log_a_producer_may_continue_at_any_sequence()
    {
        _table.Record(7, 0, 0, 0, 0, 0);
        _table.RemoveBatchesBefore(1);
        Assert.Equal(ErrorCode.None, _table.Check(7, 0, 9, 9).Error);
    }
}
