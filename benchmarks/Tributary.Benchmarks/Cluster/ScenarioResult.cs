namespace Tributary.Benchmarks.Cluster;

/// <summary>One row of the throughput table: a scenario run against one target.</summary>
/// <param name="Scenario">E.g. "produce acks=1".</param>
/// <param name="Target">The target's name.</param>
/// <param name="Brokers">The target's broker count.</param>
/// <param name="IsManaged">Whether the broker's allocations were measurable (managed code).</param>
/// <param name="SecurityProtocol">The listener's security protocol, e.g. PLAINTEXT or SASL_SSL.</param>
/// <param name="Measurement">What was measured.</param>
/// <param name="Run">Which of the target's rounds of measured scenarios this was (<c>--repeats</c>), from 1.</param>
internal sealed record ScenarioResult(string Scenario, string Target, int Brokers, bool IsManaged, string SecurityProtocol, Measurement Measurement, int Run = 1)
{
    private WorkloadResult Result => Measurement.Result;

    /// <summary>Messages per second.</summary>
    public double MessagesPerSecond => Result.Seconds > 0 ? Result.Messages / Result.Seconds : 0;

    /// <summary>Payload megabytes (10^6 bytes of message values) per second.</summary>
    public double MegabytesPerSecond => MessagesPerSecond * ClientWorkload.MessageSize / 1e6;

    /// <summary>Bytes the broker allocated per message, or null for a native broker.</summary>
    public double? AllocatedBytesPerMessage => IsManaged && Result.Messages > 0 ? (double)Measurement.Broker.AllocatedBytes / Result.Messages : null;

    /// <summary>Bytes per message the broker still holds after the run (the log's storage), or null for a native broker.</summary>
    public double? RetainedBytesPerMessage => IsManaged && Result.Messages > 0 ? (double)Measurement.Broker.RetainedBytes / Result.Messages : null;

    /// <summary>Bytes of memory per message the broker's process touched for the first time (minor page faults times the page size).</summary>
    public double FaultedBytesPerMessage => Result.Messages > 0 ? (double)Measurement.Broker.PageFaults * Environment.SystemPageSize / Result.Messages : 0;

    /// <summary>CPU time of the broker's process per message, in microseconds.</summary>
    public double CpuMicrosecondsPerMessage => Result.Messages > 0 ? Measurement.Broker.Cpu.TotalMicroseconds / Result.Messages : 0;

    /// <summary>CPU time of the client process per message, in microseconds.</summary>
    public double ClientCpuMicrosecondsPerMessage => Result.Messages > 0 ? Result.ClientCpuSeconds * 1e6 / Result.Messages : 0;

    /// <summary>Stalls and errors worth a remark.</summary>
    public string Note =>
        string.Join("; ", new[]
        {
            Result.Stalled ? $"stalled after {Result.Messages:N0} messages" : null,
            Result.Errors > 0 ? $"{Result.Errors:N0} errors" : null,
        }.Where(n => n is not null));
}
