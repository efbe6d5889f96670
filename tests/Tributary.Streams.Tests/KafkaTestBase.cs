using Akka.Streams;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>Helpers shared by tests that run against <see cref="KafkaFixture"/>.</summary>
[Collection(KafkaCollection.Name)]
public abstract class KafkaTestBase(KafkaFixture kafka, ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected KafkaFixture Kafka { get; } = kafka;

    protected ILogger Logger { get; } = new XunitLogger(output, "kafka");

    protected IMaterializer Materializer => Sys.Materializer();

    protected async Task<string> NewTopicAsync(int partitions = 1)
    {
        var topic = KafkaFixture.UniqueName("topic");
        await Kafka.CreateTopicAsync(topic, partitions);
        return topic;
    }

    protected static string NewGroup() => KafkaFixture.UniqueName("group");

    protected ConsumerSettings<string, string> ConsumerSettings(string group, GroupProtocol protocol = GroupProtocol.Classic) =>
        ConsumerSettings<string, string>.Create(Sys, Deserializers.Utf8, Deserializers.Utf8)
            .WithProperties(Kafka.ConsumerProperties(group, protocol))
            .WithLogger(Logger);

    protected ProducerSettings<string, string> ProducerSettings() =>
        ProducerSettings<string, string>.Create(Sys, Serializers.Utf8, Serializers.Utf8)
            .WithProperties(Kafka.ProducerProperties())
            .WithLogger(Logger);

    /// <summary>Writes test data with a plain Confluent.Kafka producer, independent of the code under test.</summary>
    protected async Task ProduceAsync(string topic, IEnumerable<string> values, int? partition = null)
    {
        using var producer = new ProducerBuilder<string, string>(Kafka.ProducerProperties()).Build();
        foreach (var value in values)
        {
            var message = new Message<string, string> { Key = value, Value = value };
            if (partition is { } p)
                await producer.ProduceAsync(new TopicPartition(topic, p), message);
            else
                await producer.ProduceAsync(topic, message);
        }
    }

    protected static IEnumerable<string> Values(int count, string prefix = "v") => Enumerable.Range(0, count).Select(i => $"{prefix}{i}");

    /// <summary>Reads a whole topic with a plain Confluent.Kafka consumer (no group).</summary>
    protected async Task<List<ConsumeResult<string, string>>> ReadAllAsync(string topic, int partitions, int expected)
    {
        var config = new ConsumerConfig(Kafka.ConsumerProperties("reader-" + Guid.NewGuid()).ToDictionary()) { EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Patience;
        await Task.Run(() =>
        {
            while (records.Count < expected && DateTime.UtcNow < deadline)
                if (consumer.Consume(100) is { } record)
                    records.Add(record);
        });
        return records;
    }

    /// <summary>The group's committed offsets for a topic's partitions (-1001 where none).</summary>
    protected async Task<long[]> CommittedAsync(string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Kafka.ConsumerProperties(group)).Build();
        var committed = await Task.Run(() => consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), Patience));
        return committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>The end offset of each of a topic's partitions: how many records each holds (none deleted).</summary>
    protected async Task<long[]> EndOffsetsAsync(string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Kafka.ConsumerProperties(NewGroup())).Build();
        return await Task.Run(() => Enumerable.Range(0, partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Patience).High.Value).ToArray());
    }

    /// <summary>Waits for a condition with generous patience (never asserts speed).</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
