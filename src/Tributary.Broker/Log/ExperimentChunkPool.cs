using System.Collections.Concurrent;

namespace Tributary.Broker.Log;

/// <summary>
/// EXPERIMENT, not kept (issue 20, docs/benchmarks.md "Fifth round"): with TRIBUTARY_EXPERIMENT_CHUNK_POOL=1, the chunk
/// arrays of a deleted in-memory topic go to this pool keyed by size, and new chunks take a pooled array of their size
/// first, so a log writes into memory the process has written before. UNSAFE: a fetch response being sent or a follower
/// may still read a deleted topic's batches, which a reused array would overwrite. Only for measuring the ceiling.
/// </summary>
internal static class ExperimentChunkPool
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("TRIBUTARY_EXPERIMENT_CHUNK_POOL") == "1";

    private static readonly ConcurrentDictionary<int, ConcurrentStack<byte[]>> s_pool = new();

    private static long s_reused, s_fresh, s_returned; // bytes, for the experiment's report

    public static byte[]? TryTake(int size)
    {
        if (!Enabled) return null;
        if (s_pool.TryGetValue(size, out var stack) && stack.TryPop(out var buffer))
        {
            Interlocked.Add(ref s_reused, size);
            return buffer;
        }
        Interlocked.Add(ref s_fresh, size);
        return null;
    }

    /// <summary>Bytes of chunks taken from the pool, allocated fresh, and returned so far.</summary>
    public static string Report() => $"chunk pool: {s_reused / 1e6:0.0} MB reused, {s_fresh / 1e6:0.0} MB fresh, {s_returned / 1e6:0.0} MB returned";

    public static void Return(byte[] buffer)
    {
        if (!Enabled) return;
        Interlocked.Add(ref s_returned, buffer.Length);
        s_pool.GetOrAdd(buffer.Length, _ => new ConcurrentStack<byte[]>()).Push(buffer);
    }
}
