namespace Tributary.Benchmarks.Cluster;

/// <summary>What the client process does: produce or consume on one topic of one cluster.</summary>
/// <param name="Kind">Produce or consume.</param>
/// <param name="ClientConfig">How to reach the cluster: bootstrap list and security settings (librdkafka names).</param>
/// <param name="Topic">The topic (created beforehand with <paramref name="Partitions"/> partitions).</param>
/// <param name="Partitions">The partitions to spread messages over or to read.</param>
/// <param name="Messages">How many messages to produce, or to consume before stopping.</param>
/// <param name="Acks">For produce: "1" or "all".</param>
/// <param name="StallTimeout">For consume: how long without a message counts as stalled.</param>
internal sealed record ClientWorkload(WorkloadKind Kind, IReadOnlyDictionary<string, string> ClientConfig, string Topic, int Partitions, long Messages, string Acks, TimeSpan StallTimeout)
{
    /// <summary>The size of every message value, as the issue specifies.</summary>
    public const int MessageSize = 100;
}

/// <summary>The two client workloads.</summary>
internal enum WorkloadKind
{
    Produce,
    Consume,
}

/// <summary>What a client workload measured.</summary>
/// <param name="Messages">Messages produced (acknowledged) or consumed.</param>
/// <param name="Seconds">From the first produce call until every delivery was acknowledged; or from assignment until the last message arrived.</param>
/// <param name="Errors">Failed deliveries or consume errors.</param>
/// <param name="Stalled">Consume only: no message arrived for the stall timeout before the count was reached.</param>
/// <param name="ClientCpuSeconds">CPU time the client process used in the measured span.</param>
internal sealed record WorkloadResult(long Messages, double Seconds, long Errors, bool Stalled, double ClientCpuSeconds);
