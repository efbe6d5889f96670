using System.Reflection;
using System.Text.Json;

namespace Tributary.Benchmarks.Cluster;

/// <summary>What one workload measured, plus what the broker's process (this one) spent meanwhile.</summary>
/// <param name="Result">The client's own measurement.</param>
/// <param name="BrokerAllocatedBytes">Bytes this process allocated while the client ran.</param>
/// <param name="BrokerRetainedBytes">Growth of this process's live heap over the run (after full collections): what the log keeps.</param>
/// <param name="BrokerCpu">CPU time this process used while the client ran its workload.</param>
/// <param name="BrokerGcPause">Time this process was paused for garbage collection while the client ran.</param>
/// <param name="BrokerMethodsCompiled">
/// Methods this process compiled (JIT) while the client ran: tiering up the broker's code costs CPU that a longer-running
/// broker no longer pays. (The runtime also counts the time compiling took, but as elapsed time: on a loaded machine it
/// exceeds the CPU time.)
/// </param>
/// <param name="BrokerFullCollections">
/// Full (generation 2) collections of this process while the client ran: allocating log chunks on the large object heap
/// triggers them, and the collector gives a free large region back to the kernel after it stayed unused for a few of them.
/// </param>
/// <param name="BrokerThreadCpu">This process's CPU time while the client ran, by thread name, most first (Linux; empty elsewhere).</param>
/// <param name="BrokerPageFaults">
/// Minor page faults of this process while the client ran (Linux; 0 elsewhere): each is a page of memory the process
/// wrote or read for the first time (or again after it was given back to the kernel), which on the benchmark machine costs
/// 30 to 100 times copying a page of memory already in use. Pages faulted in by madvise(MADV_POPULATE_WRITE) count too.
/// </param>
internal sealed record Measurement(WorkloadResult Result, long BrokerAllocatedBytes, long BrokerRetainedBytes, TimeSpan BrokerCpu, TimeSpan BrokerGcPause,
    long BrokerMethodsCompiled, int BrokerFullCollections, long BrokerPageFaults, IReadOnlyList<(string Name, TimeSpan Cpu)> BrokerThreadCpu);

/// <summary>
/// Runs a <see cref="ClientWorkload"/> in a child process (this same program, started with
/// <c>cluster client &lt;workload&gt;</c>). The child prints one result line; this process, which hosts only
/// the cluster, counts its own allocations and CPU time from the start of the child's workload to its result line
/// (<see cref="ClientChild"/>): those are the broker's.
/// </summary>
internal static class ClientProcess
{
    /// <summary>The first argument after "cluster" that makes this program the client.</summary>
    public const string Command = "client";

    /// <summary>Runs the workload in a child process and waits for its result.</summary>
    public static async Task<Measurement> RunAsync(ClientWorkload workload, CancellationToken cancellationToken)
    {
        using var child = await ClientChild.StartAsync([ClusterBenchmarks.Command, Command, JsonSerializer.Serialize(workload)], cancellationToken);
        var liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        UseTheYoungGenerationOnce();
        var threadsBefore = ThreadCpu.Snapshot(); // outside the process's CPU window, which starts next
        var pauseBefore = GC.GetTotalPauseDuration();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = ProcessCpuClock.Now();
        var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var faultsBefore = MinorPageFaults();
        var fullCollectionsBefore = GC.CollectionCount(2);
        var result = JsonSerializer.Deserialize<WorkloadResult>(await child.RunAsync(cancellationToken))
            ?? throw new InvalidOperationException($"The {workload.Kind} client printed no result.");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var cpu = ProcessCpuClock.Now() - cpuBefore;
        var threads = ThreadCpu.Between(threadsBefore, ThreadCpu.Snapshot());
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - compiledBefore;
        var faults = MinorPageFaults() - faultsBefore;
        var fullCollections = GC.CollectionCount(2) - fullCollectionsBefore;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - liveBefore;
        await child.ExitAsync(cancellationToken);
        return new Measurement(result, allocated, retained, cpu, pause, compiled, fullCollections, faults, threads);
    }

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

    /// <summary>The child side: runs the workload given as JSON when told to and prints its result line.</summary>
    public static int RunChild(string workloadJson)
    {
        var workload = JsonSerializer.Deserialize<ClientWorkload>(workloadJson)
            ?? throw new ArgumentException("No workload given.", nameof(workloadJson));
        ClientChild.AwaitStart();
        ClientChild.Finish(JsonSerializer.Serialize(ClientWorkloads.Run(workload)));
        return 0;
    }

    /// <summary>How to start this program again: its app host, or "dotnet" with this assembly when run that way.</summary>
    internal static (string Program, string[] Arguments) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        return Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? (processPath, [Assembly.GetEntryAssembly()!.Location])
            : (processPath, []);
    }
}
