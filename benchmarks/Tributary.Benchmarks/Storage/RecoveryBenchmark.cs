using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Log;
using Tributary.Broker.Log.Storage;
using Tributary.Protocol;
using Tributary.Protocol.Records;
using static System.FormattableString;

namespace Tributary.Benchmarks.Storage;

/// <summary>
/// How long a broker takes to load one partition of <c>--megabytes</c> (default 1024) from its data directory: after a
/// crash (no clean shutdown marker: every batch of the active segment read and its CRC checked; with the default
/// segment.bytes of 1 GiB that is the whole log) and after a clean shutdown (batch headers only). The log is written
/// first through <see cref="PartitionLog"/> as a broker writes it, in 16 KB batches of 100-byte records.
/// </summary>
/// <remarks>
/// The files were just written, so they are in the operating system's page cache: the figures are the broker's work,
/// not the disk's (dropping the cache needs root). A cold cache adds the time to read the log from the disk.
/// </remarks>
internal static class RecoveryBenchmark
{
    /// <summary>The first program argument that selects this benchmark.</summary>
    public const string Command = "recovery";

    public static Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var megabytes = args is ["--megabytes", var value] ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 1024;
        var directory = Path.Combine(Path.GetTempPath(), "tributary-recovery-" + Guid.NewGuid().ToString("N"));
        try
        {
            var batch = Batch(records: 160, valueSize: 100);
            var files = new PartitionFiles(directory, Guid.NewGuid(), () => LogFileSettings.Default, NullLogger.Instance);
            var log = PartitionLog.Recover(files, cleanShutdown: true);
            var options = new AppendOptions(LeaderEpoch: 0, NowMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), UseLogAppendTime: false,
                MaxMessageBytes: int.MaxValue, SegmentBytes: 1L << 30);
            var target = (long)megabytes << 20;
            var written = Stopwatch.StartNew();
            while (log.SizeInBytes < target) log.Append(batch, options);
            written.Stop();
            var (bytes, batches, end) = (log.SizeInBytes, log.BatchCount, log.LogEndOffset);
            Console.WriteLine(Invariant($"Wrote {bytes / (1 << 20):N0} MiB ({batches:N0} batches, {end:N0} records) in {written.Elapsed.TotalSeconds:0.00} s: {bytes / written.Elapsed.TotalSeconds / (1 << 20):N0} MiB/s"));
            // A crash: the log is dropped without being closed, so no marker and nothing flushed by the broker.

            var unclean = Measure(directory, cleanShutdown: false, end);
            Measure(directory, cleanShutdown: true, end).Close();
            var clean = Measure(directory, cleanShutdown: true, end);
            clean.Close();
            Console.WriteLine();
            Console.WriteLine("| load | log | time | rate |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var (name, elapsed) in new[] { ("after a crash (CRC of every batch)", unclean.Elapsed), ("after a clean shutdown (headers)", clean.Elapsed) })
                Console.WriteLine(Invariant($"| {name} | {bytes / (1 << 20):N0} MiB, {batches:N0} batches | {elapsed.TotalSeconds:0.00} s | {bytes / elapsed.TotalSeconds / (1 << 20):N0} MiB/s |"));
            return Task.FromResult(0);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Loaded(PartitionLog Log, TimeSpan Elapsed)
    {
        public void Close() => Log.Close();
    }

    private static Loaded Measure(string directory, bool cleanShutdown, long expectedEnd)
    {
        var watch = Stopwatch.StartNew();
        var log = PartitionLog.Recover(new PartitionFiles(directory, Guid.Empty, () => LogFileSettings.Default, NullLogger.Instance), cleanShutdown);
        watch.Stop();
        if (log.LogEndOffset != expectedEnd) throw new InvalidOperationException($"Recovered the log up to {log.LogEndOffset}, not {expectedEnd}.");
        return new Loaded(log, watch.Elapsed);
    }

    private static byte[] Batch(int records, int valueSize)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, new RecordBatchOptions()))
        {
            var value = new byte[valueSize];
            for (var i = 0; i < records; i++) builder.Append(1_700_000_000_000 + i, null, value);
            builder.Complete();
        }
        return output.ToArray();
    }
}
