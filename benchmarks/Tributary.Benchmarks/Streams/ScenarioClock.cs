using System.Diagnostics;
using static Tributary.Benchmarks.BenchmarkMath;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// Times one scenario from its first message, so that consumer group joins (seconds, and equal for both sides)
/// do not count, and notices when the scenario has seen all its messages. Allocation is counted from creation.
/// </summary>
internal sealed class ScenarioClock
{
    private readonly long _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
    private readonly TimeSpan _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly Func<TimeSpan>? _brokerCpu;
    private readonly TimeSpan _gcPauseAtStart = GC.GetTotalPauseDuration();
    private readonly int _gen0AtStart = GC.CollectionCount(0);
    private readonly int _gen1AtStart = GC.CollectionCount(1);
    private readonly TimeSpan _brokerCpuAtStart;
    private readonly TaskCompletionSource _allSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _firstTimestamp;
    private long _lastTimestamp;
    private long _seen;
    // Each thread's CPU at the first and the last message: where the steady state spent it, without start and end.
    private ThreadCpu? _threadsAtFirst;
    private ThreadCpu? _threadsAtLast;

    /// <summary>
    /// Creates a clock for a scenario of <paramref name="messages"/> messages; <paramref name="brokerCpu"/> reads the CPU
    /// time of a broker running in another process, to report it per message too.
    /// </summary>
    public ScenarioClock(long messages, Func<TimeSpan>? brokerCpu = null)
    {
        Messages = messages;
        _brokerCpu = brokerCpu;
        _brokerCpuAtStart = brokerCpu?.Invoke() ?? TimeSpan.Zero;
    }

    /// <summary>Messages the scenario processes.</summary>
    public long Messages { get; }

    /// <summary>Completes once <see cref="Observe{T}"/> has seen <see cref="Messages"/> messages.</summary>
    public Task AllSeen => _allSeen.Task;

    /// <summary>Counts one message (starting the clock at the first) and returns it, to sit in a Select.</summary>
    public T Observe<T>(T message)
    {
        if (Interlocked.Read(ref _firstTimestamp) == 0 && Interlocked.CompareExchange(ref _firstTimestamp, Stopwatch.GetTimestamp(), 0) == 0)
            _threadsAtFirst = ThreadCpu.Now();
        if (Interlocked.Increment(ref _seen) == Messages)
        {
            _lastTimestamp = Stopwatch.GetTimestamp();
            _threadsAtLast = ThreadCpu.Now();
            _allSeen.TrySetResult();
        }
        return message;
    }

    /// <summary>Stops the clock: the scenario's rate and allocation per message up to now.</summary>
    public ScenarioResult Stop(string scenario, string side)
    {
        // A run that ended early (a stream completing by mistake) must not be reported as a rate.
        if (Interlocked.Read(ref _seen) < Messages) throw new InvalidOperationException($"{scenario}, {side}: saw {_seen} of {Messages} messages.");
        var end = Stopwatch.GetTimestamp();
        var seconds = Stopwatch.GetElapsedTime(_firstTimestamp, end).TotalSeconds;
        // The tail: from the last message seen to the end (the final commit or flush, closing the consumer).
        var tail = Stopwatch.GetElapsedTime(_lastTimestamp, end);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocatedAtStart;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
        var brokerCpu = _brokerCpu is null ? double.NaN : (_brokerCpu() - _brokerCpuAtStart).TotalMicroseconds / Messages;
        var result = new ScenarioResult(scenario, side, Messages, seconds, (double)allocated / Messages)
        {
            CpuMicrosecondsPerMessage = cpu.TotalMicroseconds / Messages,
            BrokerCpuMicrosecondsPerMessage = brokerCpu,
        };
        var broker = _brokerCpu is null ? "" : $", broker process {brokerCpu:N2} µs CPU/msg";
        // Objects that outlive the youngest generation (records in flight) cost collections of the older ones.
        broker += $", GC pause {(GC.GetTotalPauseDuration() - _gcPauseAtStart).TotalMicroseconds / Messages:N2} µs/msg, " +
            $"{GC.CollectionCount(0) - _gen0AtStart} GCs, {GC.CollectionCount(1) - _gen1AtStart} of them gen1+";
        Console.WriteLine($"  {scenario}, {side}: {result.MessagesPerSecond:N0} msg/s, {result.AllocatedBytesPerMessage:N0} B/msg allocated, {result.CpuMicrosecondsPerMessage:N2} µs CPU/msg{broker}, " +
            $"{(Messages - 1) / (seconds - tail.TotalSeconds):N0} msg/s to the last message, then {tail.TotalMilliseconds:N0} ms to the end");
        if (_threadsAtFirst is not null && _threadsAtLast is not null)
            Console.WriteLine($"    CPU µs/msg by thread, first to last message: {_threadsAtLast.PerMessageSince(_threadsAtFirst, Messages)}");
        return result;
    }
}

/// <summary>One scenario's measurement on one side (raw Confluent.Kafka or Tributary).</summary>
internal sealed record ScenarioResult(string Scenario, string Side, long Messages, double Seconds, double AllocatedBytesPerMessage)
{
    /// <summary>Messages per second from the first message to the end (final commit or flush included).</summary>
    public double MessagesPerSecond => Messages / Seconds;

    /// <summary>
    /// The process's CPU time per message (every thread: the embedded broker's too when it runs in this process). On a machine shared with other
    /// work it is steadier than the rate, which also measures what the other work left over.
    /// </summary>
    public double CpuMicrosecondsPerMessage { get; init; }

    /// <summary>CPU time per message of a broker in its own process (NaN when the broker runs in this one).</summary>
    public double BrokerCpuMicrosecondsPerMessage { get; init; } = double.NaN;

    /// <summary>Which run (0-based) it belongs to: the sides of one run ran minutes apart at most, so they pair.</summary>
    public int Run { get; init; }

    /// <summary>
    /// The median over runs of <paramref name="side"/>'s rate divided by <paramref name="baseline"/>'s rate in the
    /// same run, with the lowest and highest such ratio. The machine's speed drifts between runs by more than the
    /// difference under test, so ratios within a run are steadier than a ratio of the two sides' medians.
    /// </summary>
    public static (double Median, double Min, double Max) PairedRatio(IEnumerable<ScenarioResult> results, string scenario, string baseline, string side)
    {
        var ofScenario = results.Where(r => r.Scenario == scenario).ToList();
        var ratios = ofScenario.Where(r => r.Side == side)
            .Join(ofScenario.Where(r => r.Side == baseline), r => r.Run, r => r.Run, (candidate, reference) => candidate.MessagesPerSecond / reference.MessagesPerSecond)
            .ToList();
        return ratios.Count == 0 ? (double.NaN, double.NaN, double.NaN) : (Median(ratios), ratios.Min(), ratios.Max());
    }
}

/// <summary>All runs of one scenario on one side: median, min and max rate, median allocation.</summary>
internal sealed record ScenarioSummary(string Scenario, string Side, int Runs, double MedianMessagesPerSecond, double MinMessagesPerSecond,
    double MaxMessagesPerSecond, double MedianAllocatedBytesPerMessage)
{
    /// <summary>Summarizes each (scenario, side) of <paramref name="runs"/>, in first-seen order.</summary>
    public static IReadOnlyList<ScenarioSummary> Of(IEnumerable<ScenarioResult> runs) =>
        runs.GroupBy(r => (r.Scenario, r.Side))
            .Select(g => new ScenarioSummary(g.Key.Scenario, g.Key.Side, g.Count(), Median(g.Select(r => r.MessagesPerSecond)),
                g.Min(r => r.MessagesPerSecond), g.Max(r => r.MessagesPerSecond), Median(g.Select(r => r.AllocatedBytesPerMessage))))
            .ToList();

}
