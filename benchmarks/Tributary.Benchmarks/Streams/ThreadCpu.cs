namespace Tributary.Benchmarks.Streams;

/// <summary>
/// The CPU time of each thread of this process, from /proc/self/task (Linux; empty elsewhere), so a scenario can say
/// which threads spent its CPU: the raw loop's thread against the Tributary source's poll thread and the stream's
/// thread-pool threads (which also serve the broker in this process). Threads of one kind are summed under one name.
/// </summary>
internal sealed class ThreadCpu
{
    private const string Tasks = "/proc/self/task";
    // /proc reports CPU time in clock ticks of 10 ms (USER_HZ 100 on Linux).
    private const double MicrosecondsPerTick = 10_000;
    private readonly Dictionary<int, (string Name, long Ticks)> _threads = new();

    private ThreadCpu() { }

    /// <summary>Reads every thread's CPU time now (about a millisecond for some 40 threads).</summary>
    public static ThreadCpu Now()
    {
        var snapshot = new ThreadCpu();
        if (!Directory.Exists(Tasks))
            return snapshot;
        foreach (var directory in Directory.GetDirectories(Tasks))
        {
            try
            {
                var stat = ProcStat.Read(Path.Combine(directory, "stat"));
                snapshot._threads[int.Parse(Path.GetFileName(directory))] = (Kind(stat.Name), stat.CpuTicks);
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }
        return snapshot;
    }

    /// <summary>CPU µs per message of each kind of thread from <paramref name="start"/> to this snapshot, busiest first.</summary>
    public string PerMessageSince(ThreadCpu start, long messages)
    {
        var byKind = new Dictionary<string, long>();
        foreach (var (thread, (kind, ticks)) in _threads)
            byKind[kind] = byKind.GetValueOrDefault(kind) + ticks - (start._threads.TryGetValue(thread, out var before) ? before.Ticks : 0);
        return string.Join(", ", byKind.Where(k => k.Value > 0).OrderByDescending(k => k.Value)
            .Select(k => $"{k.Key} {k.Value * MicrosecondsPerTick / messages:N2}"));
    }

    // One name per kind: every consumer has its own poll thread and librdkafka broker threads.
    private static string Kind(string name) =>
        name.StartsWith("kafka-poll", StringComparison.Ordinal) ? "kafka-poll"
        : name.StartsWith("rdk:broker", StringComparison.Ordinal) ? "rdk:broker"
        : name;
}
