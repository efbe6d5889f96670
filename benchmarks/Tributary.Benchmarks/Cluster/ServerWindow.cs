using Tributary.Broker.Log;

namespace Tributary.Benchmarks.Cluster;

/// <summary>What a cluster's process spent while one client workload ran.</summary>
/// <param name="Cpu">CPU time of the process, user and system together, from the kernel's process CPU clock.</param>
/// <param name="AllocatedBytes">Bytes the process allocated on the managed heap (the embedded brokers' allocations).</param>
/// <param name="RetainedBytes">Growth of the process's live heap over the run (after full collections): what the log keeps.</param>
/// <param name="GcPause">Time the process was paused for garbage collection.</param>
/// <param name="MethodsCompiled">
/// Methods the process compiled (JIT): tiering up the broker's code costs CPU that a longer-running broker no longer pays.
/// (The runtime also counts the time compiling took, but as elapsed time: on a loaded machine it exceeds the CPU time.)
/// </param>
/// <param name="FullCollections">
/// Full (generation 2) collections: allocating log chunks on the large object heap triggers them, and the collector gives
/// a free large region back to the kernel after it stayed unused for a few of them.
/// </param>
/// <param name="PageFaults">
/// Minor page faults (Linux; 0 elsewhere): each is a page of memory the process wrote or read for the first time (or again
/// after it was given back to the kernel), which on the benchmark machine costs 30 to 100 times copying a page of memory
/// already in use. Pages faulted in by madvise(MADV_POPULATE_WRITE) count too.
/// </param>
/// <param name="ReusedLogBytes">Log memory the embedded brokers took from their pool instead of the allocator.</param>
/// <param name="Threads">The CPU time by thread name, most first (Linux; empty elsewhere).</param>
/// <param name="Details">Lines to print under the scenario: the types allocated most, the requests answered, when asked for.</param>
internal sealed record ServerCost(TimeSpan Cpu, long AllocatedBytes, long RetainedBytes, TimeSpan GcPause, long MethodsCompiled, int FullCollections,
    long PageFaults, long ReusedLogBytes, IReadOnlyList<ThreadTime> Threads, IReadOnlyList<string> Details);

/// <summary>Measures what the process hosting a cluster spends while one client workload runs.</summary>
internal interface ICostMeter
{
    /// <summary>Starts measuring, just before a client's workload starts.</summary>
    Task BeginAsync(CancellationToken cancellationToken);

    /// <summary>What the process spent since <see cref="BeginAsync"/>, asked just after the client's result arrived.</summary>
    Task<ServerCost> EndAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Measures, inside the process that hosts a cluster, what that process spends between <see cref="Begin"/> (just before a
/// client's workload starts) and <see cref="End"/> (just after its result arrived): those are the brokers' costs, since the
/// clients run in processes of their own. The same code measures a cluster hosted in the benchmark's own process and one in
/// a server process of its own (<see cref="ServerProcess"/>).
/// </summary>
internal sealed class ServerWindow(AllocationSampler? sampler, RequestCounter? requests) : ICostMeter
{
    private long _liveBefore;
    private Dictionary<int, (string Name, long Nanoseconds)> _threadsBefore = [];
    private TimeSpan _pauseBefore;
    private long _allocatedBefore;
    private TimeSpan _cpuBefore;
    private long _compiledBefore;
    private long _faultsBefore;
    private int _fullCollectionsBefore;
    private long _reusedBefore;

    /// <summary>A window that measures only what every run measures (no allocation profile, no request counts).</summary>
    public static ServerWindow Plain { get; } = new(sampler: null, requests: null);

    /// <summary>
    /// Takes the measurements' starting values; the CPU clock last, so that the preparations here are not counted. (In a
    /// server process, what its command thread still spends in the window, answering <c>begin</c> and reading <c>end</c>,
    /// measured 60 to 260 µs: about 1% of a 1-broker consume scenario's 10 ms, the mock's process and the broker's alike.)
    /// </summary>
    public void Begin()
    {
        _liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        UseTheYoungGenerationOnce();
        sampler?.Reset();
        requests?.Reset();
        _reusedBefore = LogChunkPool.Shared.ReusedBytes;
        _threadsBefore = ThreadCpu.Snapshot();
        _pauseBefore = GC.GetTotalPauseDuration();
        _allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        _compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        _faultsBefore = MinorPageFaults();
        _fullCollectionsBefore = GC.CollectionCount(2);
        _cpuBefore = ProcessCpuClock.Now();
    }

    /// <summary>What the process spent since <see cref="Begin"/>; the CPU clock first.</summary>
    public ServerCost End()
    {
        var cpu = ProcessCpuClock.Now() - _cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocatedBefore;
        var threads = ThreadCpu.Between(_threadsBefore, ThreadCpu.Snapshot());
        var pause = GC.GetTotalPauseDuration() - _pauseBefore;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - _compiledBefore;
        var faults = MinorPageFaults() - _faultsBefore;
        var fullCollections = GC.CollectionCount(2) - _fullCollectionsBefore;
        var reused = LogChunkPool.Shared.ReusedBytes - _reusedBefore;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - _liveBefore;
        var details = (sampler?.Top(10) ?? []).Select(t => $"allocated ~{t.Bytes / 1e6,8:0.0} MB of {t.Type}").ToList();
        if (requests?.Summary() is { Length: > 0 } answered) details.Add($"requests answered: {answered}");
        return new ServerCost(cpu, allocated, retained, pause, compiled, fullCollections, faults, reused, threads, details);
    }

    public Task BeginAsync(CancellationToken cancellationToken)
    {
        Begin();
        return Task.CompletedTask;
    }

    public Task<ServerCost> EndAsync(CancellationToken cancellationToken) => Task.FromResult(End());

    /// <summary>
    /// Allocates garbage until the collector has collected its young generation once. The full collections that measure
    /// the live heap leave the young generation in memory the process has not written since (the collector gave it back),
    /// so the broker's first allocations in the window page-faulted it in: 2.5 MB more of faults in a produce session
    /// and 0.5 MB in a consume session than without the collections (a consume session's 150 faults, about 2 ms of its
    /// 13 on this machine), a cost that a running broker, whose young generation is in use, does not have and the mock,
    /// whose memory is not the collector's, never had. Measured after this: no fault in consume sessions; 0.0 to 3.2 MB in
    /// produce sessions (half under 0.3), where the rest is memory the collections gave back elsewhere.
    /// </summary>
    private static void UseTheYoungGenerationOnce()
    {
        var collections = GC.CollectionCount(0);
        while (GC.CollectionCount(0) == collections) GC.KeepAlive(new byte[8 * 1024]);
    }

    /// <summary>This process's minor page faults so far, from /proc/self/stat (Linux; 0 elsewhere).</summary>
    private static long MinorPageFaults() => File.Exists("/proc/self/stat") ? ProcStat.Read("/proc/self/stat").MinorFaults : 0;
}
