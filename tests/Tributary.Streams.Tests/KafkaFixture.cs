using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Testing;
using ApiKey = Tributary.Protocol.Messages.ApiKey;
using BrokerErrorCode = Tributary.Protocol.ErrorCode;

namespace Tributary.Streams.Tests;

/// <summary>
/// The only place these tests reach a Kafka cluster: the testkit's embedded three-broker Tributary cluster, shared by
/// the collection, with the fault injection some tests need (slow answers, errors on chosen APIs).
/// </summary>
public sealed class KafkaFixture : EmbeddedKafkaFixture
{
    // Some tests lose a member on purpose and want its short session to be accepted. Members of the consumer group
    // protocol (KIP-848) get their heartbeat interval and session timeout from the broker: the same as classic ones here.
    protected override EmbeddedKafkaOptions CreateOptions() => new()
    {
        Brokers = 3,
        GroupMinSessionTimeout = TimeSpan.FromSeconds(1),
        ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200),
        ConsumerGroupSessionTimeout = TimeSpan.FromSeconds(6),
        // An isolated broker is fenced (its leaderships and coordinators move) 2 s after it was cut off.
        BrokerSessionTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Creates a topic with the given number of partitions, on one broker or replicated.</summary>
    public Task CreateTopicAsync(string name, int partitions, short replicationFactor = 1) => Cluster.CreateTopicAsync(name, partitions, replicationFactor);

    /// <summary>Delays every broker response by <paramref name="roundTrip"/> until the returned handle is disposed.</summary>
    public IDisposable SlowDownBrokers(TimeSpan roundTrip)
    {
        Cluster.Faults.ResponseDelay = roundTrip;
        return new Restore(() => Cluster.Faults.ResponseDelay = TimeSpan.Zero);
    }

    /// <summary>Makes the cluster answer the next <paramref name="count"/> requests of an API with an error.</summary>
    public void FailNextRequests(short apiKey, ErrorCode error, int count = 1) =>
        Cluster.Faults.FailNextRequests((ApiKey)apiKey, (BrokerErrorCode)(short)error, count);

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>
    /// Consumer properties for this cluster; short heartbeats so group changes show quickly. With the consumer group
    /// protocol (<c>group.protocol=consumer</c>) the session and heartbeat settings are the broker's, and librdkafka
    /// refuses them client-side.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConsumerProperties(string groupId, GroupProtocol protocol = GroupProtocol.Classic) =>
        WithGroupProtocol(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = BootstrapServers,
            ["group.id"] = groupId,
            ["auto.offset.reset"] = "earliest",
            ["session.timeout.ms"] = "6000",
            ["heartbeat.interval.ms"] = "200",
            ["topic.metadata.refresh.interval.ms"] = "1000",
        }, protocol);

    /// <summary><paramref name="properties"/> for <paramref name="protocol"/>: without the classic protocol's client-side group settings for the consumer protocol.</summary>
    public static Dictionary<string, string> WithGroupProtocol(Dictionary<string, string> properties, GroupProtocol protocol)
    {
        if (protocol == GroupProtocol.Consumer)
        {
            properties.Remove("session.timeout.ms");
            properties.Remove("heartbeat.interval.ms");
            properties.Remove("partition.assignment.strategy");
            properties["group.protocol"] = "consumer";
        }
        return properties;
    }

    /// <summary>Producer properties for this cluster.</summary>
    public IReadOnlyDictionary<string, string> ProducerProperties() => new Dictionary<string, string>
    {
        ["bootstrap.servers"] = BootstrapServers,
        ["linger.ms"] = "1",
    };
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "kafka";
}

/// <summary>The exactly-once tests get a cluster of their own, so they run in parallel with the others.</summary>
[CollectionDefinition(Name)]
public sealed class ExactlyOnceCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "exactly-once";
}
