using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Benchmarks.Cluster;

/// <summary>Startup times of one target over several runs, in milliseconds.</summary>
/// <param name="Target">The target.</param>
/// <param name="FirstRunMs">The first run (cold: code not yet compiled).</param>
/// <param name="WarmRunsMs">The later runs, sorted.</param>
/// <param name="MedianStartedMs">The median time until the start call returned (listening, before any client), over the later runs.</param>
internal sealed record StartupResult(string Target, double FirstRunMs, IReadOnlyList<double> WarmRunsMs, double MedianStartedMs)
{
    /// <summary>The median of the warm runs.</summary>
    public double MedianMs => WarmRunsMs.Count == 0 ? FirstRunMs : WarmRunsMs[WarmRunsMs.Count / 2];
}

/// <summary>
/// Time from starting a 3-broker cluster to the first answered Metadata request (AdminClient.GetMetadata),
/// for the embedded cluster and, for comparison, librdkafka's mock. The admin client is created and
/// connects inside the timed span, as a test would do it.
/// </summary>
internal static class StartupBenchmark
{
    private const int Brokers = 3;
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Measures <paramref name="runs"/> startups of each target.</summary>
    public static async Task<IReadOnlyList<StartupResult>> RunAsync(int runs, CancellationToken cancellationToken) =>
    [
        // The mock goes first: its first run also loads librdkafka and compiles the client's code, so the
        // embedded cluster's first run shows only the broker's own cold start.
        await MeasureAsync("librdkafka mock (3 brokers)", async ct => await MockClusterTarget.StartAsync(Brokers, ct), runs, cancellationToken),
        await MeasureAsync("embedded (3 brokers)", async ct => await EmbeddedClusterTarget.StartAsync(Brokers, ct), runs, cancellationToken),
    ];

    private static async Task<StartupResult> MeasureAsync(string name, Func<CancellationToken, Task<IBenchmarkTarget>> start, int runs, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var started = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var target = await start(cancellationToken);
            started.Add(clock.Elapsed.TotalMilliseconds);
            using (var admin = new AdminClientBuilder(new AdminClientConfig(target.ClientConfig.ToDictionary())).Build())
            {
                var metadata = admin.GetMetadata(MetadataTimeout);
                clock.Stop();
                if (metadata.Brokers.Count != Brokers)
                    throw new InvalidOperationException($"{name} reported {metadata.Brokers.Count} brokers instead of {Brokers}.");
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var warmStarts = started.Skip(1).Order().ToList();
        return new StartupResult(name, times[0], times.Skip(1).Order().ToList(), warmStarts.Count == 0 ? started[0] : warmStarts[warmStarts.Count / 2]);
    }
}
