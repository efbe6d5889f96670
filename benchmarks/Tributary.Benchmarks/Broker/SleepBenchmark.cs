using System.Globalization;
using Tributary.Broker.Log;

namespace Tributary.Benchmarks.Broker;

/// <summary>
/// What one short sleep of a broker background thread costs in CPU (docs/benchmarks.md, issue 20, "Twenty-first round"):
/// the fetch deadline thread and the log maintenance thread sleep once a deadline or a tick. A thread of its own sleeps
/// 1 ms at a time, 2,000 times, in a timed <see cref="Monitor.Wait(object, int)"/> (what they did before) and in
/// <see cref="WakeableSleep"/> (what they do now), alternated for <c>--rounds N</c> rounds (default 5); the thread's own
/// CPU time comes from Linux's thread CPU clock (<see cref="ThreadCpu.CurrentThreadNanoseconds"/>).
/// </summary>
internal static class SleepBenchmark
{
    /// <summary>The first program argument that selects this benchmark.</summary>
    public const string Command = "sleeps";

    private const int Sleeps = 2_000;
    private const int SleepMs = 1;

    /// <summary>Runs the rounds and prints each kind's CPU a sleep, median (range), and their ratio.</summary>
    public static int Run(string[] args)
    {
        if (!ThreadCpu.CurrentThreadClockAvailable(Command)) return 1;
        var rounds = BenchmarkMath.Option(args, "--rounds", 5);
        var kinds = new (string Name, Action Sleep)[]
        {
            ("Monitor.Wait(gate, 1)", MonitorSleeper()),
            ("WakeableSleep.Sleep(generation, 1)", WakeableSleeper()),
        };
        var results = kinds.ToDictionary(kind => kind.Name, _ => new List<double>());
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var (name, sleep) in kinds)
            {
                var microseconds = CpuPerSleep(sleep);
                if (round == 0) continue; // the first round warms up
                results[name].Add(microseconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}, {name}: {microseconds:F1} µs of CPU a sleep"));
            }
        }
        Console.WriteLine();
        Console.WriteLine("| Sleep of 1 ms | µs of the thread's CPU a sleep, median (range) |");
        Console.WriteLine("|---|--:|");
        foreach (var (name, values) in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {BenchmarkMath.Median(values):F1} ({values.Min():F1}-{values.Max():F1}) |"));
        var (after, before) = (results[kinds[1].Name], results[kinds[0].Name]);
        var (low, high) = BenchmarkMath.RatioOfMediansInterval(after, before);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WakeableSleep / Monitor.Wait, of the medians: {BenchmarkMath.Median(after) / BenchmarkMath.Median(before):F2}x (95% interval {low:F2}x-{high:F2}x)"));
        return 0;
    }

    private static Action MonitorSleeper()
    {
        var gate = new object();
        return () =>
        {
            lock (gate) Monitor.Wait(gate, SleepMs);
        };
    }

    private static Action WakeableSleeper()
    {
        var sleep = new WakeableSleep();
        return () => sleep.Sleep(sleep.Generation, SleepMs);
    }

    /// <summary>Runs <see cref="Sleeps"/> sleeps on a new thread and returns that thread's CPU a sleep, in µs.</summary>
    private static double CpuPerSleep(Action sleep)
    {
        double result = 0;
        var thread = new Thread(() =>
        {
            var before = ThreadCpu.CurrentThreadNanoseconds();
            for (var i = 0; i < Sleeps; i++) sleep();
            result = (ThreadCpu.CurrentThreadNanoseconds() - before) / 1000.0 / Sleeps;
        }) { Name = "sleeper" };
        thread.Start();
        thread.Join();
        return result;
    }
}
