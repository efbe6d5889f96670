using Confluent.Kafka;

namespace Tributary.Streams.Tests;

/// <summary>Log lines name partitions the way Kafka's own logs do.</summary>
public sealed class KafkaLogTests
{
    [Fact]
    public void Partitions_read_as_topic_dash_partition_not_as_Confluent_brackets() =>
        Assert.Equal("greetings-0, greetings-2", KafkaLog.Describe([new TopicPartition("greetings", 0), new TopicPartition("greetings", 2)]));

    [Fact]
    public void Offsets_read_as_topic_dash_partition_at_offset_and_unset_ones_without_it() =>
        Assert.Equal("greetings-0@42, greetings-1",
            KafkaLog.Describe([new TopicPartitionOffset("greetings", 0, 42), new TopicPartitionOffset("greetings", 1, Offset.Unset)]));
}
