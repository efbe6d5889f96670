using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Log;
using Tributary.Broker.Log.Storage;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Log;

/// <summary>A partition log kept in a directory: Kafka's file layout, and what recovery makes of the files.</summary>
public sealed class FileLogTests : IDisposable
{
    private static readonly AppendOptions Options = new(LeaderEpoch: 3, NowMs: 5_000, UseLogAppendTime: false, MaxMessageBytes: 1_048_588);
    private static readonly Guid TopicId = Guid.NewGuid();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tributary-filelog-" + Guid.NewGuid().ToString("N"));
    private LogFileSettings _settings = LogFileSettings.Default;

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The log of the directory, leading alone (in a cluster the partition assigns roles), so its records are readable.</summary>
    private PartitionLog Open(bool cleanShutdown = true)
    {
        var log = PartitionLog.Recover(new PartitionFiles(_directory, TopicId, () => _settings, NullLogger.Instance), cleanShutdown);
        log.SetSoleInSyncReplica(true);
        return log;
    }

    private static string Name(long offset, string extension) => SegmentFile.FileName(offset, extension);

    private string PathOf(string file) => Path.Combine(_directory, file);

    private static List<byte[]> ReadAll(PartitionLog log)
    {
        var batches = new List<byte[]>();
        for (var offset = log.LogStartOffset; offset < log.LogEndOffset;)
        {
            var records = log.Read(offset, 1, IsolationLevel.ReadUncommitted).Records.ToArray();
            batches.Add(records);
            offset = new RecordBatchHeader(records).LastOffset + 1;
        }
        return batches;
    }

    [Fact]
    public void Segments_are_files_in_kafkas_layout_holding_the_batches_exactly_as_stored()
    {
        var log = Open();
        var options = Options with { SegmentBytes = 300 };
        for (var i = 0; i < 6; i++) Assert.Equal(ErrorCode.None, log.Append(TestBatches.Create(2, valueSize: 40), options).Error);
        var stored = ReadAll(log);
        log.Close();

        var logs = Directory.GetFiles(_directory, "*.log").Select(Path.GetFileName).Order().ToList();
        Assert.True(logs.Count > 1, "segment.bytes=300 rolls the log");
        Assert.Equal(Name(0, ".log"), logs[0]);
        foreach (var file in logs)
        {
            Assert.True(File.Exists(PathOf(Path.ChangeExtension(file!, ".index"))));
            Assert.True(File.Exists(PathOf(Path.ChangeExtension(file!, ".timeindex"))));
        }
        // The .log files back to back are the stored batches, each a valid batch whose offsets follow the file name.
        var onDisk = new List<byte[]>();
        foreach (var file in logs)
        {
            var bytes = File.ReadAllBytes(PathOf(file!));
            var baseOffset = long.Parse(Path.GetFileNameWithoutExtension(file!), System.Globalization.CultureInfo.InvariantCulture);
            for (var position = 0; position < bytes.Length;)
            {
                var header = new RecordBatchHeader(bytes.AsSpan(position));
                Assert.Equal(header.Crc, header.ComputeCrc());
                Assert.True(header.BaseOffset >= baseOffset);
                onDisk.Add(bytes.AsSpan(position, (int)header.TotalSize).ToArray());
                position += (int)header.TotalSize;
            }
        }
        Assert.Equal(stored, onDisk);
        Assert.Equal("0\n1\n3 0\n", File.ReadAllText(PathOf(PartitionFiles.LeaderEpochCheckpoint)));
        Assert.Equal($"version: 0\ntopic_id: {PartitionFiles.KafkaUuid(TopicId)}\n", File.ReadAllText(PathOf(PartitionFiles.PartitionMetadata)));
    }

    [Fact]
    public void The_offset_index_has_an_entry_every_index_interval_bytes_and_the_time_index_the_largest_timestamps()
    {
        _settings = _settings with { IndexIntervalBytes = 100 };
        var log = Open();
        for (var i = 0; i < 5; i++) log.Append(TestBatches.Create(1, valueSize: 100, timestamp: 1_000 + i), Options);
        var batchSize = ReadAll(log)[0].Length;
        log.Close();

        var index = File.ReadAllBytes(PathOf(Name(0, ".index")));
        var timeIndex = File.ReadAllBytes(PathOf(Name(0, ".timeindex")));
        // Kafka indexes a batch once more than index.interval.bytes were appended since the last entry: batches 1 to 4 here.
        Assert.Equal(4 * 8, index.Length);
        for (var entry = 0; entry < 4; entry++)
        {
            Assert.Equal(entry + 1, BinaryPrimitives.ReadInt32BigEndian(index.AsSpan(entry * 8)));
            Assert.Equal((entry + 1) * batchSize, BinaryPrimitives.ReadInt32BigEndian(index.AsSpan(entry * 8 + 4)));
        }
        Assert.Equal(0, timeIndex.Length % 12);
        Assert.Equal(1_004, BinaryPrimitives.ReadInt64BigEndian(timeIndex.AsSpan(timeIndex.Length - 12)));
        Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(timeIndex.AsSpan(timeIndex.Length - 4)));
    }

    [Fact]
    public void A_reopened_log_has_its_batches_epochs_and_producer_state_so_a_resent_batch_is_a_duplicate()
    {
        var log = Open();
        for (var sequence = 0; sequence < 6; sequence += 2)
            log.Append(TestBatches.Create(2, producerId: 7, producerEpoch: 0, baseSequence: sequence), Options with { SegmentBytes = 200 });
        log.BecomeLeader(5);
        var before = ReadAll(log);
        log.Close();

        var reopened = Open();
        Assert.Equal(before, ReadAll(reopened));
        Assert.Equal(5, reopened.LatestEpoch);
        Assert.Equal((3, 6L), reopened.EndOffsetForEpoch(3));
        var resent = reopened.Append(TestBatches.Create(2, producerId: 7, producerEpoch: 0, baseSequence: 4), Options with { LeaderEpoch = 5 });
        Assert.Equal((ErrorCode.DuplicateSequenceNumber, 4L), (resent.Error, resent.BaseOffset));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, reopened.Append(TestBatches.Create(1, producerId: 7, producerEpoch: 0, baseSequence: 9), Options with { LeaderEpoch = 5 }).Error);
        var next = reopened.Append(TestBatches.Create(1, producerId: 7, producerEpoch: 0, baseSequence: 6), Options with { LeaderEpoch = 5 });
        Assert.Equal((ErrorCode.None, 6L), (next.Error, next.BaseOffset));
        reopened.Close();
    }

    [Theory]
    [InlineData("garbage appended")]
    [InlineData("last batch cut short")]
    [InlineData("last batch corrupt")]
    public void After_a_crash_a_torn_or_corrupt_tail_is_cut_off_and_everything_before_it_survives(string damage)
    {
        var log = Open();
        for (var i = 0; i < 4; i++) log.Append(TestBatches.Create(3, valueSize: 20), Options);
        var before = ReadAll(log);
        var file = PathOf(Name(0, ".log"));
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            switch (damage)
            {
                case "garbage appended":
                    stream.Seek(0, SeekOrigin.End);
                    stream.Write(new byte[] { 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 1 });
                    break;
                case "last batch cut short":
                    stream.SetLength(length - 7);
                    break;
                default:
                    stream.Seek(length - 3, SeekOrigin.Begin);
                    stream.WriteByte(0x5A);
                    break;
            }
        }
        // A crash: the log is never closed, and the next start reads the files without a clean shutdown.
        var recovered = Open(cleanShutdown: false);

        var survivors = damage == "garbage appended" ? before : before[..^1];
        Assert.Equal(survivors, ReadAll(recovered));
        Assert.Equal(survivors.Sum(b => b.Length), new FileInfo(file).Length);
        var appended = recovered.Append(TestBatches.Create(1), Options);
        Assert.Equal(survivors.Count * 3, appended.BaseOffset);
        recovered.Close();
    }

    [Fact]
    public void A_missing_or_torn_index_is_rebuilt_as_it_was()
    {
        _settings = _settings with { IndexIntervalBytes = 50 };
        var log = Open();
        for (var i = 0; i < 8; i++) log.Append(TestBatches.Create(2, valueSize: 30, timestamp: 2_000 + i), Options with { SegmentBytes = 500 });
        log.Close();
        var index = PathOf(Name(0, ".index"));
        var timeIndex = PathOf(Name(0, ".timeindex"));
        var (indexBefore, timeIndexBefore) = (File.ReadAllBytes(index), File.ReadAllBytes(timeIndex));
        Assert.NotEmpty(indexBefore);

        File.Delete(index);
        File.WriteAllBytes(timeIndex, timeIndexBefore[..^5]);
        Open().Close();

        Assert.Equal(indexBefore, File.ReadAllBytes(index));
        Assert.Equal(timeIndexBefore, File.ReadAllBytes(timeIndex));
    }

    [Fact]
    public void Retention_deletes_whole_segment_files_and_the_log_keeps_its_offsets_across_a_restart()
    {
        var log = Open();
        for (var i = 0; i < 6; i++) log.Append(TestBatches.Create(1, valueSize: 100, timestamp: 1_000), Options with { SegmentBytes = 250 });
        var segments = log.SegmentCount;
        Assert.True(segments >= 3);

        Assert.Equal(segments, log.ApplyRetention(nowMs: 100_000, retentionMs: 1_000, retentionBytes: -1));
        // Kafka keeps an empty active segment named after the log end, so the offsets go on from there.
        Assert.Equal([Name(6, ".log")], Directory.GetFiles(_directory, "*.log").Select(Path.GetFileName));
        log.Close();

        var reopened = Open();
        Assert.Equal((6L, 6L), (reopened.LogStartOffset, reopened.LogEndOffset));
        Assert.Equal(6, reopened.Append(TestBatches.Create(1), Options).BaseOffset);
        reopened.Close();
    }

    [Fact]
    public void A_follower_truncated_to_its_leader_removes_the_bytes_from_its_files()
    {
        var leader = new PartitionLog();
        leader.BecomeLeader(3);
        leader.Append(TestBatches.Create(2), Options);
        leader.BecomeLeader(4);
        leader.Append(TestBatches.Create(1), Options with { LeaderEpoch = 4 });
        var follower = Open();
        follower.Append(TestBatches.Create(2), Options);
        follower.Append(TestBatches.Create(5), Options);
        follower.BecomeFollower(4);

        follower.TruncateDivergentFrom(leader, 4);
        follower.Close();

        var reopened = Open();
        Assert.Equal(2, reopened.LogEndOffset);
        Assert.Equal(ReadAll(reopened).Sum(b => b.Length), new FileInfo(PathOf(Name(0, ".log"))).Length);
        reopened.Close();
    }

    [Fact]
    public void Compaction_rewrites_the_segment_files_and_a_reopened_log_reads_the_compacted_records()
    {
        var log = Open();
        var options = Options with { SegmentBytes = 150 };
        for (var i = 0; i < 8; i++) log.Append(KeyedBatch(key: (byte)(i % 2), value: (byte)i), options);
        Assert.True(log.Clean(nowMs: 10_000, new CleanerSettings(DeleteRetentionMs: 0, MinCompactionLagMs: 0, MaxCompactionLagMs: long.MaxValue, MinCleanableDirtyRatio: 0)));
        var compacted = ReadAll(log);
        Assert.True(compacted.Count < 8);
        log.Close();

        var reopened = Open(cleanShutdown: false);
        Assert.Equal(compacted, ReadAll(reopened));
        Assert.Equal(8, reopened.LogEndOffset);
        reopened.Close();
    }

    private static byte[] KeyedBatch(byte key, byte value)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, new RecordBatchOptions()))
        {
            builder.Append(1_000, [key], Enumerable.Repeat(value, 40).ToArray());
            builder.Complete();
        }
        return output.ToArray();
    }
}
