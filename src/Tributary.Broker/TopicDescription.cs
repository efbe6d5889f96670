namespace Tributary.Broker;

/// <summary>A topic as the cluster holds it now (see <see cref="EmbeddedKafkaCluster.DescribeTopics"/>).</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Id">The topic id.</param>
/// <param name="Partitions">Its partitions, by index.</param>
/// <param name="Configs">The configs set on the topic (its overrides), by Kafka name.</param>
public sealed record TopicDescription(string Name, Guid Id, IReadOnlyList<PartitionDescription> Partitions, IReadOnlyDictionary<string, string> Configs);

/// <summary>One partition: who leads it, its replicas, and its leader's offsets.</summary>
/// <param name="Partition">The partition index.</param>
/// <param name="Leader">The leader's broker id, -1 while it has none.</param>
/// <param name="LeaderEpoch">The leader epoch.</param>
/// <param name="Replicas">The assigned replicas, preferred leader first.</param>
/// <param name="Isr">The in-sync replicas.</param>
/// <param name="LogStartOffset">The leader's first offset (-1 without a leader).</param>
/// <param name="HighWatermark">The leader's high watermark: the end offset consumers see (-1 without a leader).</param>
public sealed record PartitionDescription(int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr,
    long LogStartOffset, long HighWatermark);
