using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class MetadataClientTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    [Fact]
    public async Task Reports_topics_partitions_offsets_and_committed_offsets()
    {
        var topic = await NewTopicAsync(partitions: 3);
        var group = NewGroup();
        await ProduceAsync(topic, Values(4), partition: 1);
        using (var committer = new ConsumerBuilder<Ignore, Ignore>(Kafka.ConsumerProperties(group)).Build())
            committer.Commit([new TopicPartitionOffset(topic, 1, 2)]);
        using var client = MetadataClient.Create(ConsumerSettings(group));

        var topics = await client.ListTopicsAsync().WaitAsync(Patience);
        var partitions = await client.GetPartitionsAsync(topic).WaitAsync(Patience);
        var beginning = await client.GetBeginningOffsetsAsync(partitions).WaitAsync(Patience);
        var end = await client.GetEndOffsetsAsync(partitions).WaitAsync(Patience);
        var committed = await client.GetCommittedOffsetsAsync(partitions).WaitAsync(Patience);

        Assert.Contains(topic, topics);
        Assert.Equal([0, 1, 2], partitions.Select(p => p.Partition.Value));
        Assert.All(beginning.Values, offset => Assert.Equal(0, offset));
        Assert.Equal([0L, 4L, 0L], partitions.Select(p => end[p]));
        Assert.Equal(2, committed[new TopicPartition(topic, 1)].Value);
        Assert.Equal(Offset.Unset, committed[new TopicPartition(topic, 0)]);
    }
}
