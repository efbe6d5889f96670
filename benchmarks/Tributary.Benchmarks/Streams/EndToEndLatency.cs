using System.Buffers.Binary;
using System.Diagnostics;
using Akka;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// Latency from producing an input message to its output becoming visible to a read_committed consumer, with a
/// pipeline already running: input is produced at a steady rate, each value carrying its produce timestamp.
/// </summary>
internal static class EndToEndLatency
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>p50 and p99 latency in milliseconds of one pipeline.</summary>
    public sealed record Result(string Pipeline, int Messages, int Rate, double P50Ms, double P99Ms, double MaxMs);

    /// <summary>
    /// Starts <paramref name="pipeline"/>, waits until one warm-up message has come through, then produces
    /// <paramref name="messages"/> at <paramref name="rate"/> per second and collects each output's latency.
    /// </summary>
    public static async Task<Result> MeasureAsync(string name, StreamsTopology topology,
        Func<string, string, DrainingControl<Done>> pipeline, string inputTopic, string outputTopic, int messages, int rate,
        CancellationToken cancellationToken)
    {
        var control = pipeline(inputTopic, outputTopic);
        var latencies = new List<double>(messages);
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The warm-up message carries timestamp 0 and is not counted.
        var reader = Task.Factory.StartNew(() => ReadOutput(topology, outputTopic, messages + 1, latencies, warmedUp, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = topology.BootstrapServers, LingerMs = 0 }).Build())
        {
            await producer.ProduceAsync(inputTopic, new Message<Null, byte[]> { Value = new byte[StreamsTopology.ValueSize] }, cancellationToken);
            await warmedUp.Task.WaitAsync(Timeout, cancellationToken);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < messages; i++)
            {
                // Steady pacing: message i goes out i / rate seconds after the start.
                while (Stopwatch.GetElapsedTime(start).TotalSeconds < (double)i / rate) await Task.Delay(1, cancellationToken);
                var value = new byte[StreamsTopology.ValueSize];
                BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
                producer.ProduceWaitingForRoom(inputTopic, value, report =>
                {
                    if (report.Error.IsError) throw new InvalidOperationException($"Latency input not delivered: {report.Error}");
                });
            }
            producer.Flush(Timeout);
        }
        await reader.WaitAsync(Timeout, cancellationToken);
        await control.DrainAndShutdown();

        latencies.Sort();
        var result = new Result(name, messages, rate, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1]);
        Console.WriteLine($"  latency, {name}: p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms, max {result.MaxMs:0.0} ms");
        return result;
    }

    private static void ReadOutput(StreamsTopology topology, string outputTopic, int expected, List<double> latencies, TaskCompletionSource warmedUp,
        CancellationToken cancellationToken)
    {
        var config = topology.ConsumerConfig(StreamsTopology.NewGroup("latency-reader"));
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        // A short broker-side wait, so the reader itself adds little to the figures.
        config.FetchWaitMaxMs = 10;
        using var consumer = new ConsumerBuilder<Null, byte[]>(config).Build();
        consumer.Subscribe(outputTopic);
        for (var seen = 0; seen < expected;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || result.IsPartitionEOF) continue;
            seen++;
            var producedAt = BinaryPrimitives.ReadInt64LittleEndian(result.Message.Value);
            if (producedAt == 0) warmedUp.TrySetResult();
            else latencies.Add(Stopwatch.GetElapsedTime(producedAt).TotalMilliseconds);
        }
        consumer.Close();
    }

    private static double Percentile(List<double> sorted, double fraction) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(fraction * sorted.Count))];
}
