using Tributary.Broker.Log;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Log;

public class BatchValidatorTests
{
    [Fact]
    public void Accepts_well_formed_batches()
    {
        Assert.Equal(ErrorCode.None, BatchValidator.Validate(TestBatches.Concat(TestBatches.Create(3), TestBatches.Create(1)), 1_000_000));
    }

    [Fact]
    public void Rejects_a_flipped_bit_in_the_records_as_corrupt()
    {
        var batch = TestBatches.Create(2);
        batch[^3] ^= 0x40;
        Assert.Equal(ErrorCode.CorruptMessage, BatchValidator.Validate(batch, 1_000_000));
    }

    [Fact]
    public void Rejects_a_truncated_batch_as_corrupt()
    {
        var batch = TestBatches.Create(2);
        Assert.Equal(ErrorCode.CorruptMessage, BatchValidator.Validate(batch.AsSpan(0, batch.Length - 1), 1_000_000));
        Assert.Equal(ErrorCode.CorruptMessage, BatchValidator.Validate(batch.AsSpan(0, 10), 1_000_000));
        Assert.Equal(ErrorCode.CorruptMessage, BatchValidator.Validate([], 1_000_000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Rejects_old_message_formats(byte magic)
    {
        Assert.Equal(ErrorCode.UnsupportedForMessageFormat, BatchValidator.Validate(TestBatches.Create(magic: magic), 1_000_000));
    }

    [Fact]
    public void Rejects_a_batch_over_the_size_limit()
    {
        var batch = TestBatches.Create(1, valueSize: 500);
        Assert.Equal(ErrorCode.MessageTooLarge, BatchValidator.Validate(batch, batch.Length - 1));
        Assert.Equal(ErrorCode.None, BatchValidator.Validate(batch, batch.Length));
    }

    [Fact]
    public void CreateTime_timestamps_must_lie_within_the_topics_bounds()
    {
        var options = new AppendOptions(0, NowMs: 10_000, UseLogAppendTime: false, MaxMessageBytes: 1 << 20, MaxTimestampAheadMs: 1_000, MaxTimestampBehindMs: 5_000);

        Assert.Equal(ErrorCode.None, BatchValidator.ValidateTimestamps(TestBatches.Create(2, timestamp: 10_500, timestampStep: 500), options));
        Assert.Equal(ErrorCode.InvalidTimestamp, BatchValidator.ValidateTimestamps(TestBatches.Create(2, timestamp: 10_500, timestampStep: 501), options));
        Assert.Equal(ErrorCode.None, BatchValidator.ValidateTimestamps(TestBatches.Create(1, timestamp: 5_000), options));
        Assert.Equal(ErrorCode.InvalidTimestamp, BatchValidator.ValidateTimestamps(TestBatches.Create(1, timestamp: 4_999), options));
        // The broker's own time replaces the producer's on LogAppendTime topics: nothing to check.
        Assert.Equal(ErrorCode.None, BatchValidator.ValidateTimestamps(TestBatches.Create(1, timestamp: 0), options with { UseLogAppendTime = true }));
    }
}
