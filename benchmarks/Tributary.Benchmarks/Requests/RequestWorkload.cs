namespace Tributary.Benchmarks.Requests;

/// <summary>The kinds of request a <see cref="RequestClient"/> sends, one at a time.</summary>
internal enum RequestKind
{
    /// <summary>Produce v7, acks=1: one batch per partition, every request the same bytes.</summary>
    Produce,

    /// <summary>Fetch v11 of the last <see cref="RequestWorkload.Records"/> records of each partition (what a produce scenario wrote), the same offsets every time.</summary>
    Fetch,

    /// <summary>Fetch v11 at the end of every partition, waiting <see cref="RequestWorkload.MaxWaitMs"/> for records that never come: a consumer that has caught up.</summary>
    IdleFetch,

    /// <summary>A new connection each time: connect, ApiVersions v0, read the answer, close.</summary>
    Connection,
}

/// <summary>One scenario of the <c>requests</c> benchmark: what its client sends, how many and how fast.</summary>
/// <param name="Name">The name in the result table.</param>
/// <param name="Kind">The request sent.</param>
/// <param name="Requests">How many, each sent after the answer to the one before.</param>
/// <param name="Records">Records of <see cref="RecordSize"/> bytes per partition: produced in each request, or fetched.</param>
/// <param name="PerSecond">At most this many requests a second (0: as fast as answered).</param>
/// <param name="MaxWaitMs">The fetch's max wait.</param>
/// <param name="Together">Requests written in one go before their answers are read (pipelined, as a producer with requests in flight sends them).</param>
internal sealed record RequestScenario(string Name, RequestKind Kind, int Requests, int Records = 0, int PerSecond = 0, int MaxWaitMs = 0, int Together = 1)
{
    /// <summary>The value size of every record, as the cluster benchmark's.</summary>
    public const int RecordSize = 100;
}

/// <summary>What the client process is told: a scenario, and where to send it.</summary>
/// <param name="Scenario">The requests to send.</param>
/// <param name="Host">The broker's host (a single broker: every partition is led there).</param>
/// <param name="Port">The broker's port.</param>
/// <param name="Topic">The topic, created with <paramref name="Partitions"/> partitions.</param>
/// <param name="Partitions">The partitions every produce and fetch names.</param>
internal sealed record RequestWorkload(RequestScenario Scenario, string Host, int Port, string Topic, int Partitions);
