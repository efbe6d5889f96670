using Confluent.Kafka;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// The baselines: the loops a user would write with Confluent.Kafka alone, one thread each. Every loop ends
/// with what its Tributary twin ends with (final commit, flush, consumer close), so both are timed alike.
/// </summary>
internal static class RawLoops
{
    /// <summary>Commit every this many messages, as the Committer's default max-batch.</summary>
    private const int CommitEvery = 1000;

    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Consumes <see cref="ScenarioClock.Messages"/> messages from <paramref name="topic"/>.</summary>
    public static Task ConsumeAsync(StreamsTopology topology, string topic, ScenarioClock clock, CancellationToken cancellationToken) =>
        ConsumeLoopAsync(topology, topic, "raw-consume", clock, (_, _) => { }, _ => { }, cancellationToken);

    /// <summary>Consumes and commits the consumed offsets synchronously every 1000 messages and at the end.</summary>
    public static Task ConsumeAndCommitAsync(StreamsTopology topology, string topic, ScenarioClock clock, CancellationToken cancellationToken) =>
        ConsumeLoopAsync(topology, topic, "raw-commit", clock,
            onMessage: (consumer, result) => consumer.StoreOffset(result),
            onBatchEnd: consumer => consumer.Commit(),
            cancellationToken);

    /// <summary>
    /// Consumes, copies each value to <paramref name="outputTopic"/>, and every 1000 messages flushes the
    /// producer and then commits (at-least-once: an offset is committed only after its output is acknowledged).
    /// </summary>
    public static async Task ConsumeTransformProduceAsync(StreamsTopology topology, string inputTopic, string outputTopic, ScenarioClock clock,
        CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(topology.ProducerConfig()).Build();
        var failures = new DeliveryFailures();
        await ConsumeLoopAsync(topology, inputTopic, "raw-transform", clock,
            onMessage: (consumer, result) =>
            {
                producer.ProduceWaitingForRoom(outputTopic, Transform(result.Message.Value), failures.OnDelivery);
                consumer.StoreOffset(result);
            },
            onBatchEnd: consumer =>
            {
                producer.Flush(FlushTimeout);
                consumer.Commit();
            },
            cancellationToken);
        failures.ThrowIfAny("raw consume-transform-produce");
    }

    /// <summary>
    /// Produces <see cref="ScenarioClock.Messages"/> copies of <paramref name="value"/>, each with the headers
    /// <paramref name="headers"/> makes for it if given, then flushes; <paramref name="config"/> replaces the topology's
    /// producer settings.
    /// </summary>
    public static void Produce(StreamsTopology topology, string topic, byte[] value, ScenarioClock clock, Func<Headers>? headers = null,
        ProducerConfig? config = null)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(config ?? topology.ProducerConfig()).Build();
        var failures = new DeliveryFailures();
        for (var i = 0; i < clock.Messages; i++) producer.ProduceWaitingForRoom(topic, clock.Observe(value), failures.OnDelivery, headers?.Invoke());
        producer.Flush(FlushTimeout);
        failures.ThrowIfAny("raw produce");
    }

    /// <summary>The transform both sides apply: a copy of the value, standing in for real work on it.</summary>
    public static byte[] Transform(byte[] value) => (byte[])value.Clone();

    private static Task ConsumeLoopAsync(StreamsTopology topology, string topic, string group, ScenarioClock clock,
        Action<IConsumer<Null, byte[]>, ConsumeResult<Null, byte[]>> onMessage, Action<IConsumer<Null, byte[]>> onBatchEnd,
        CancellationToken cancellationToken) =>
        // A dedicated thread, as a raw consumer loop would have; the blocking calls must not hold a pool thread.
        Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<Null, byte[]>(topology.ConsumerConfig(StreamsTopology.NewGroup(group))).Build();
            consumer.Subscribe(topic);
            for (long seen = 0; seen < clock.Messages;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = consumer.Consume(PollTimeout);
                if (result is null || result.IsPartitionEOF) continue;
                onMessage(consumer, clock.Observe(result));
                if (++seen % CommitEvery == 0 || seen == clock.Messages) onBatchEnd(consumer);
            }
            consumer.Close();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Counts failed deliveries, so a scenario that lost messages fails instead of reporting a rate.</summary>
    private sealed class DeliveryFailures
    {
        private int _count;

        public void OnDelivery(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError) Interlocked.Increment(ref _count);
        }

        public void ThrowIfAny(string scenario)
        {
            if (_count > 0) throw new InvalidOperationException($"{scenario}: {_count} messages were not delivered.");
        }
    }
}
