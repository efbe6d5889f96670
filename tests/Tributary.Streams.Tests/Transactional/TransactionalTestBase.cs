using Akka.Streams;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>Helpers for the exactly-once tests against the embedded three-broker cluster.</summary>
[Collection(ExactlyOnceCollection.Name)]
public abstract class TransactionalTestBase(KafkaFixture cluster, ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    protected KafkaFixture Cluster { get; } = cluster;

    protected ILogger Logger { get; } = new XunitLogger(output, "eos");

    protected IMaterializer Materializer => Sys.Materializer();

    protected async Task<string> NewTopicAsync(int partitions)
    {
        var topic = KafkaFixture.UniqueName("topic");
        await Cluster.CreateTopicAsync(topic, partitions, replicationFactor: 3);
        return topic;
    }

    protected static string NewGroup() => KafkaFixture.UniqueName("group");

    protected Dictionary<string, string> ConsumerProperties(string group, GroupProtocol protocol = GroupProtocol.Classic) => KafkaFixture.WithGroupProtocol(new()
    {
        ["bootstrap.servers"] = Cluster.BootstrapServers,
        ["auto.offset.reset"] = "earliest",
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "300",
        ["max.poll.interval.ms"] = "10000",
        ["fetch.wait.max.ms"] = "50",
        ["topic.metadata.refresh.interval.ms"] = "1000",
        ["group.id"] = group,
    }, protocol);

    protected ConsumerSettings<string, string> ConsumerSettings(string group, GroupProtocol protocol = GroupProtocol.Classic) =>
        ConsumerSettings<string, string>.Create(Sys, Deserializers.Utf8, Deserializers.Utf8).WithProperties(ConsumerProperties(group, protocol)).WithLogger(Logger);

    protected ProducerSettings<string, string> ProducerSettings() =>
        ProducerSettings<string, string>.Create(Sys, Serializers.Utf8, Serializers.Utf8)
            .WithBootstrapServers(Cluster.BootstrapServers)
            .WithProperty("linger.ms", "5")
            .WithLogger(Logger);

    protected static TransactionalSettings TransactionalSettings(string id) => Streams.Settings.TransactionalSettings.Create(id);

    /// <summary>Writes input with a plain, non-transactional Confluent.Kafka producer: key = partition, value = "p{partition}-{i}".</summary>
    protected async Task ProduceInputAsync(string topic, int partitions, int perPartition)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Cluster.BootstrapServers, LingerMs = 5 }).Build();
        var sends = new List<Task>();
        for (var p = 0; p < partitions; p++)
            for (var i = 0; i < perPartition; i++)
                sends.Add(producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = p.ToString(), Value = $"p{p}-{i}" }));
        await Task.WhenAll(sends);
    }

    /// <summary>Reads a topic from the beginning with a read_committed consumer until <paramref name="expected"/> records or patience runs out.</summary>
    protected async Task<List<ConsumeResult<string, string>>> ReadCommittedAsync(string topic, int partitions, int expected, TimeSpan? settle = null)
    {
        var config = new ConsumerConfig(ConsumerProperties("reader-" + Guid.NewGuid())) { EnableAutoCommit = false, IsolationLevel = IsolationLevel.ReadCommitted };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>();
        await Task.Run(() =>
        {
            var deadline = DateTime.UtcNow + Patience;
            while (records.Count < expected && DateTime.UtcNow < deadline)
                if (consumer.Consume(100) is { } record)
                    records.Add(record);
            // Read a little longer to see duplicates that would come after the expected count.
            var settleUntil = DateTime.UtcNow + (settle ?? TimeSpan.FromMilliseconds(500));
            while (DateTime.UtcNow < settleUntil)
                if (consumer.Consume(100) is { } record)
                    records.Add(record);
        });
        return records;
    }

    /// <summary>The group's committed offsets for a topic's partitions (-1001 where none).</summary>
    protected async Task<long[]> CommittedAsync(string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(ConsumerProperties(group)).Build();
        var committed = await Task.Run(() => consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), Patience));
        return committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>
    /// Asserts the output holds every input value transformed exactly once, in input order per input partition.
    /// Outputs carry "{input value}" upper-cased with the input partition as key.
    /// </summary>
    protected static void AssertExactlyOnceInOrder(IReadOnlyList<ConsumeResult<string, string>> output, int partitions, int perPartition)
    {
        var duplicates = output.GroupBy(r => r.Message.Value).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"Duplicates in the output: {string.Join(", ", duplicates)}");
        for (var p = 0; p < partitions; p++)
        {
            var expected = Enumerable.Range(0, perPartition).Select(i => $"P{p}-{i}").ToList();
            var actual = output.Where(r => r.Message.Key == p.ToString()).OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Select(r => r.Message.Value).ToList();
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected, actual);
        }
    }
}
