using System.Text.Json;

namespace Tributary.Benchmarks.Cluster;

/// <summary>What one workload measured, plus what the cluster's process spent meanwhile.</summary>
/// <param name="Result">The client's own measurement.</param>
/// <param name="Broker">What the process hosting the cluster spent while the client ran its workload.</param>
internal sealed record Measurement(WorkloadResult Result, ServerCost Broker);

/// <summary>
/// Runs a <see cref="ClientWorkload"/> in a child process (this same program, started with
/// <c>cluster client &lt;workload&gt;</c>). The child prints one result line; the process that hosts the cluster measures
/// what it spends from the start of the child's workload to its result line (<see cref="ChildProcess"/>,
/// <see cref="ServerWindow"/>): those are the broker's costs.
/// </summary>
internal static class ClientProcess
{
    /// <summary>The first argument after "cluster" that makes this program the client.</summary>
    public const string Command = "client";

    /// <summary>Runs the workload in a child process against <paramref name="target"/> and waits for its result.</summary>
    public static async Task<Measurement> RunAsync(ClientWorkload workload, IBenchmarkTarget target, CancellationToken cancellationToken)
    {
        var (line, broker) = await ChildProcess.RunMeteredAsync([ClusterBenchmarks.Command, Command, JsonSerializer.Serialize(workload)], target.Meter, cancellationToken);
        var result = JsonSerializer.Deserialize<WorkloadResult>(line) ?? throw new InvalidOperationException($"The {workload.Kind} client printed no result.");
        return new Measurement(result, broker);
    }

    /// <summary>The child side: runs the workload given as JSON when told to and prints its result line.</summary>
    public static int RunChild(string workloadJson)
    {
        var workload = JsonSerializer.Deserialize<ClientWorkload>(workloadJson)
            ?? throw new ArgumentException("No workload given.", nameof(workloadJson));
        ChildProcess.AwaitStart();
        ChildProcess.Finish(JsonSerializer.Serialize(ClientWorkloads.Run(workload)));
        return 0;
    }
}
