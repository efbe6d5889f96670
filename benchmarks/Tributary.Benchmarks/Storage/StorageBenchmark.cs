using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Log;
using Tributary.Broker.Log.Storage;
using Tributary.Protocol.Records;
using static System.FormattableString;

namespace Tributary.Benchmarks.Storage;

/// <summary>
/// One partition log of <c>--megabytes</c> (default 1024), written and read by the broker's own code (no network, no
/// client), in memory and in a data directory side by side; then the time to load the data directory's log after a
/// crash (no clean shutdown marker: every batch of the active segment read and its CRC checked; with the default
/// segment.bytes of 1 GiB that is the whole log) and after a clean shutdown (batch headers only). Batches of 16 KB
/// hold 160 records of 100 bytes, as a producer's would.
/// </summary>
/// <remarks>
/// The files were just written, so they are in the operating system's page cache: the figures are the broker's work,
/// not the disk's (dropping the cache needs root). A cold cache adds the time to read the log from the disk.
/// </remarks>
internal static class StorageBenchmark
{
    /// <summary>The first program argument that selects this benchmark.</summary>
    public const string Command = "storage";

    private const int FetchBytes = 1 << 20;

    public static Task<int> RunAsync(string[] args)
    {
        var megabytes = BenchmarkMath.Option(args, "--megabytes", 1024);
        var target = (long)megabytes << 20;
        var directory = Path.Combine(Path.GetTempPath(), "tributary-storage-" + Guid.NewGuid().ToString("N"));
        var batch = ProtocolBytes.RecordBatch(records: 160, valueSize: 100, timestampOf: i => 1_700_000_000_000 + i);
        var rows = new List<string>();
        try
        {
            var inMemory = new PartitionLog();
            rows.Add(Row("write", "in memory", target, Time(() => Fill(inMemory, batch, target))));
            rows.Add(Row("read from the beginning", "in memory", target, Time(() => ReadAll(inMemory))));
            inMemory.Close();
            inMemory = null;
            GC.Collect();

            var files = new PartitionFiles(directory, Guid.NewGuid(), () => LogFileSettings.Default, NullLogger.Instance);
            var onDisk = PartitionLog.Recover(files, cleanShutdown: true);
            rows.Add(Row("write", "data directory", target, Time(() => Fill(onDisk, batch, target))));
            rows.Add(Row("read from the beginning", "data directory", target, Time(() => ReadAll(onDisk))));
            var end = onDisk.LogEndOffset;
            // A crash: the log is dropped without being closed, so no marker and nothing flushed by the broker.

            rows.Add(Row("load after a crash (CRC of every batch)", "data directory", target, Load(directory, cleanShutdown: false, end)));
            Load(directory, cleanShutdown: true, end); // once to warm up the clean path
            rows.Add(Row("load after a clean shutdown (headers)", "data directory", target, Load(directory, cleanShutdown: true, end)));
            Console.WriteLine(Invariant($"{megabytes:N0} MiB in {(target + batch.Length - 1) / batch.Length:N0} batches of {batch.Length:N0} bytes; reads of {FetchBytes >> 20} MiB"));
            Console.WriteLine();
            Console.WriteLine("| operation | log | time | MiB/s |");
            Console.WriteLine("|---|---|--:|--:|");
            foreach (var row in rows) Console.WriteLine(row);
            return Task.FromResult(0);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static string Row(string operation, string log, long bytes, TimeSpan elapsed) =>
        Invariant($"| {operation} | {log} | {elapsed.TotalSeconds:0.00} s | {bytes / elapsed.TotalSeconds / (1 << 20):N0} |");

    private static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    private static void Fill(PartitionLog log, byte[] batch, long target)
    {
        var options = new AppendOptions(LeaderEpoch: 0, NowMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), UseLogAppendTime: false,
            MaxMessageBytes: int.MaxValue, SegmentBytes: 1L << 30);
        while (log.SizeInBytes < target) log.Append(batch, options);
    }

    private static void ReadAll(PartitionLog log)
    {
        for (var offset = 0L; offset < log.LogEndOffset;)
        {
            var records = log.Read(offset, FetchBytes, IsolationLevel.ReadUncommitted).Records;
            var last = records.Span[^RecordBatchLayout.HeaderSize..]; // touch the bytes, as a socket write would
            offset = LastOffset(records.Span) + 1;
            GC.KeepAlive(last.ToArray());
        }
    }

    private static long LastOffset(ReadOnlySpan<byte> batches)
    {
        var last = -1L;
        for (var rest = batches; !rest.IsEmpty;)
        {
            var header = new RecordBatchHeader(rest);
            last = header.LastOffset;
            rest = rest[(int)header.TotalSize..];
        }
        return last;
    }

    private static TimeSpan Load(string directory, bool cleanShutdown, long expectedEnd)
    {
        var watch = Stopwatch.StartNew();
        var log = PartitionLog.Recover(new PartitionFiles(directory, Guid.Empty, () => LogFileSettings.Default, NullLogger.Instance), cleanShutdown);
        watch.Stop();
        if (log.LogEndOffset != expectedEnd) throw new InvalidOperationException($"Loaded the log up to {log.LogEndOffset}, not {expectedEnd}.");
        if (cleanShutdown) log.Close();
        return watch.Elapsed;
    }
}
