using System.Runtime.CompilerServices;
using Confluent.Kafka;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Deleting a topic leaves its logs to the garbage collector: nothing in the brokers (connections, fetchers of the
/// followers, the fetch path) keeps them. (Their chunks' memory goes to the log chunk pool for later logs to write
/// into, see LogChunkPoolTests; the logs themselves must go.)
/// </summary>
public sealed class DeletedTopicMemoryTests
{
    private const string Topic = "deleted";

    [Fact]
    public async Task A_deleted_topics_logs_are_collected_once_clients_have_produced_and_read_them()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await cluster.CreateTopicAsync(Topic, partitions: 2, replicationFactor: 3);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 200; i++) producer.Produce(Topic, new Message<Null, string> { Value = $"value-{i}" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal(200, ConsumeAll(cluster, 200));
        var logs = WeakReferencesToLogs(cluster);
        Assert.Equal(6, logs.Count);

        await cluster.DeleteTopicAsync(Topic);

        await Eventually.TrueAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return logs.All(log => !log.IsAlive);
        }, "every replica's log of the deleted topic was collected");
    }

    /// <summary>Not inlined, so no reference to a log stays in the test's own frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> WeakReferencesToLogs(EmbeddedKafkaCluster cluster) =>
        cluster.Controller.Topics.Single(t => t.Name == Topic).Partitions.SelectMany(p => p.Logs).Select(log => new WeakReference(log)).ToList();

    private static int ConsumeAll(EmbeddedKafkaCluster cluster, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Topic);
        var read = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (read < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not null) read++;
        }
        consumer.Close();
        return read;
    }
}
