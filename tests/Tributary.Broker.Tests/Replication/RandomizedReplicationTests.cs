using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Broker.Tests.Replication;

/// <summary>
/// Brokers crashed, stopped, restarted and paused at random while a Confluent.Kafka producer writes with acks=all
/// and min.insync.replicas=2: every record the producer was told was written is there at the end. The seed is
/// printed; set TRIBUTARY_REPLICATION_SEED to replay a run.
/// </summary>
public sealed class RandomizedReplicationTests(ITestOutputHelper output)
{
    private const string Topic = "randomized";
    private const int Partitions = 3;
    private const int Steps = 8;
    private const int RecordsPerStep = 30;

    [Fact]
    public async Task Every_record_acknowledged_with_acks_all_survives_random_crashes_and_restarts()
    {
        var seed = Environment.GetEnvironmentVariable("TRIBUTARY_REPLICATION_SEED") is { } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"Seed {seed} (replay with TRIBUTARY_REPLICATION_SEED={seed})");
        var random = new Random(seed);

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, ReplicaLagTimeMax = TimeSpan.FromMilliseconds(300) });
        await cluster.CreateTopicAsync(Topic, Partitions, replicationFactor: 3, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        var acknowledged = new ConcurrentBag<string>();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            LingerMs = 2,
            MessageTimeoutMs = 3_000,
            RequestTimeoutMs = 1_000,
            TopicMetadataRefreshIntervalMs = 200,
        }).Build();

        var down = new HashSet<int>();
        var paused = new HashSet<int>();
        for (var step = 0; step < Steps; step++)
        {
            // At most two brokers down at once; every step does something.
            var live = cluster.Brokers.Select(b => b.Id).Where(id => !down.Contains(id)).ToList();
            var actions = new List<string> { "pause or resume" };
            if (down.Count < 2) actions.AddRange(["crash", "stop"]);
            if (down.Count > 0) actions.Add("start");
            var action = actions[random.Next(actions.Count)];
            var broker = action == "start" ? down.Order().ElementAt(random.Next(down.Count))
                : action == "pause or resume" ? random.Next(1, 4)
                : live[random.Next(live.Count)];
            output.WriteLine($"step {step}: {action} broker {broker}");
            switch (action)
            {
                case "crash":
                    down.Add(broker);
                    await cluster.CrashBrokerAsync(broker);
                    break;
                case "stop":
                    down.Add(broker);
                    await cluster.StopBrokerAsync(broker);
                    break;
                case "start":
                    down.Remove(broker);
                    await cluster.StartBrokerAsync(broker);
                    break;
                default:
                    if (paused.Remove(broker)) cluster.ResumeReplication(broker);
                    else
                    {
                        paused.Add(broker);
                        cluster.PauseReplication(broker);
                    }
                    break;
            }
            await ProduceStepAsync(producer, step, acknowledged);
        }

        foreach (var broker in down) await cluster.StartBrokerAsync(broker);
        foreach (var broker in paused) cluster.ResumeReplication(broker);
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        output.WriteLine($"{acknowledged.Count} records acknowledged");

        var read = ReadUntilSeen(cluster, acknowledged.ToHashSet());
        var missing = acknowledged.Except(read).ToList();
        Assert.True(missing.Count == 0, $"Seed {seed}: {missing.Count} acknowledged records lost, e.g. {string.Join(", ", missing.Take(5))}");
    }

    private static async Task ProduceStepAsync(IProducer<string, string> producer, int step, ConcurrentBag<string> acknowledged)
    {
        var sends = Enumerable.Range(0, RecordsPerStep).Select(async i =>
        {
            var value = $"s{step}-r{i}";
            try
            {
                await producer.ProduceAsync(new TopicPartition(Topic, i % Partitions), new Message<string, string> { Key = value, Value = value });
                acknowledged.Add(value);
            }
            catch (ProduceException<string, string>)
            {
                // Not acknowledged (no in-sync quorum, or a leader gone): it may or may not be there, and need not be.
            }
        });
        await Task.WhenAll(sends);
    }

    /// <summary>Reads every partition from the beginning until every expected value was seen, or patience runs out.</summary>
    private static HashSet<string> ReadUntilSeen(EmbeddedKafkaCluster cluster, HashSet<string> expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = $"verify-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            TopicMetadataRefreshIntervalMs = 200,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var values = new HashSet<string>();
        var deadline = DateTime.UtcNow + Eventually.Patience;
        while (!expected.IsSubsetOf(values) && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record) values.Add(record.Message.Value);
        }
        return values;
    }
}
