using Confluent.Kafka;
using Tributary.Broker;
using Xunit;

namespace Tributary.Testing;

/// <summary>
/// An xunit fixture (xunit v2 in Tributary.Testing, v3 in Tributary.Testing.XunitV3) that runs one embedded Kafka cluster for a test collection (or class) and offers the chores
/// of Kafka tests: unique names, topic creation, producing and consuming N records, waiting for a group to catch up.
/// Use it as a collection fixture; the collection definition must live in the test assembly:
/// <code>
/// [CollectionDefinition(Name)]
/// public sealed class KafkaCollection : ICollectionFixture&lt;EmbeddedKafkaFixture&gt; { public const string Name = "kafka"; }
///
/// [Collection(KafkaCollection.Name)]
/// public sealed class OrderTests(EmbeddedKafkaFixture kafka)
/// {
///     [Fact]
///     public async Task Reads_what_was_written()
///     {
///         var topic = await kafka.CreateTopicAsync(partitions: 3);
///         await kafka.ProduceAsync(topic, 10);
///         Assert.Equal(10, (await kafka.ConsumeAsync(topic, 10)).Count);
///     }
/// }
/// </code>
/// Derive from it and override <see cref="CreateOptions"/> for another cluster shape, and
/// <see cref="ClientProperties"/> to connect the helpers to a secured listener:
/// <code>
/// public sealed class SecuredKafkaFixture : EmbeddedKafkaFixture
/// {
///     protected override EmbeddedKafkaOptions CreateOptions() => new()
///     {
///         Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslSsl)],
///         Users = new Dictionary&lt;string, string&gt; { ["alice"] = "alice-secret" },
///     };
///
///     protected override IDictionary&lt;string, string&gt; ClientProperties() => Cluster.GetClientConfig("SASL_SSL", "alice");
/// }
/// </code>
/// </summary>
public class EmbeddedKafkaFixture : IAsyncLifetime
{
    /// <summary>How long helpers wait by default before they give up.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private EmbeddedKafkaCluster? _cluster;

    /// <summary>The running cluster (stop and start brokers, create topics with configs, ...).</summary>
    /// <exception cref="InvalidOperationException">Before xunit initialized the fixture.</exception>
    public EmbeddedKafkaCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster starts in InitializeAsync; xunit calls it before the tests.");

    /// <summary>The cluster's bootstrap list on its first listener.</summary>
    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>
    /// The options the cluster starts with: three brokers on free ports, topics auto-created. Override for others.
    /// </summary>
    protected virtual EmbeddedKafkaOptions CreateOptions() => new() { Brokers = 3 };

    // xunit v2 and v3 differ only here: v2's IAsyncLifetime returns Task, v3's ValueTask (and takes its DisposeAsync
    // from IAsyncDisposable). The same source builds Tributary.Testing (v2) and Tributary.Testing.XunitV3 (XUNIT_V3).
#if XUNIT_V3
    /// <summary>Starts the cluster.</summary>
    public virtual async ValueTask InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(CreateOptions());

    /// <summary>Stops the cluster.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }
#else
    /// <summary>Starts the cluster.</summary>
    public virtual async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(CreateOptions());

    /// <summary>Stops the cluster.</summary>
    public virtual async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }
#endif

    /// <summary>A name no other test in this process uses, for topics, groups and transactional ids.</summary>
    /// <param name="prefix">Start of the name, to tell names apart in logs.</param>
    public static string UniqueName(string prefix = "topic") => UniqueNames.Next(prefix);

    /// <summary>Creates a topic with a unique name (or the given one) and returns its name.</summary>
    /// <param name="partitions">Number of partitions.</param>
    /// <param name="replicationFactor">Replicas per partition, at most the number of brokers.</param>
    /// <param name="name">The name; null for a unique one.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    public async Task<string> CreateTopicAsync(int partitions = 1, short replicationFactor = 1, string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= UniqueName();
        await Cluster.CreateTopicAsync(name, partitions, replicationFactor, cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>
    /// The client properties (librdkafka names) every helper and config of this fixture starts from: by default
    /// <see cref="EmbeddedKafkaCluster.GetClientConfig"/> of the first listener. Override to connect as a user, to
    /// another listener or with another SASL mechanism. Called once per client; return a new dictionary each time.
    /// </summary>
    protected virtual IDictionary<string, string> ClientProperties() => Cluster.GetClientConfig();

    /// <summary>Client properties for this cluster: its bootstrap list and, on a secured listener, the security settings.</summary>
    public ClientConfig ClientConfig() => new(ClientProperties());

    /// <summary>Producer properties for this cluster (acks=all, short linger).</summary>
    public ProducerConfig ProducerConfig() => new(ClientProperties()) { Acks = Acks.All, LingerMs = 1 };

    /// <summary>Consumer properties for this cluster: the given group, reading from the earliest offset, no auto-commit.</summary>
    /// <param name="groupId">Consumer group id.</param>
    public ConsumerConfig ConsumerConfig(string groupId) => new(ClientProperties())
    {
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
    };

    /// <summary>
    /// Produces <paramref name="count"/> string records, by default keyed <c>key-{i}</c> with value <c>value-{i}</c>
    /// (i from 0), and returns their delivery results once all were acknowledged.
    /// </summary>
    /// <param name="topic">Destination topic.</param>
    /// <param name="count">Number of records.</param>
    /// <param name="message">Builds record i; null for the default keys and values.</param>
    /// <param name="cancellationToken">Cancels waiting for acknowledgements.</param>
    public async Task<IReadOnlyList<DeliveryResult<string, string>>> ProduceAsync(
        string topic, int count, Func<int, Message<string, string>>? message = null, CancellationToken cancellationToken = default)
    {
        message ??= i => new Message<string, string> { Key = $"key-{i}", Value = $"value-{i}" };
        using var producer = new ProducerBuilder<string, string>(ProducerConfig()).Build();
        var deliveries = Enumerable.Range(0, count).Select(i => producer.ProduceAsync(topic, message(i), cancellationToken)).ToList();
        return await Task.WhenAll(deliveries);
    }

    /// <summary>
    /// Reads <paramref name="count"/> records of <paramref name="topic"/> from the beginning of every partition,
    /// without a consumer group. Fails with <see cref="TimeoutException"/> if fewer arrive in time.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="count">Records to read.</param>
    /// <param name="isolation">read_committed skips aborted and open transactions.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    public Task<IReadOnlyList<ConsumeResult<string, string>>> ConsumeAsync(
        string topic, int count, IsolationLevel isolation = IsolationLevel.ReadUncommitted, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => TopicReader.Read(this, topic, count, isolation, timeout ?? DefaultTimeout, cancellationToken), cancellationToken);

    /// <summary>
    /// Waits until <paramref name="groupId"/> has committed, for every partition of <paramref name="topic"/>, the
    /// partition's end offset: the group has processed everything written so far.
    /// </summary>
    /// <param name="groupId">Consumer group id.</param>
    /// <param name="topic">The topic whose partitions the group must have caught up on.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <exception cref="TimeoutException">The lag was still above zero when time ran out; the message lists it.</exception>
    public Task WaitForZeroLagAsync(string groupId, string topic, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        new GroupLag(ClientConfig()).WaitForZeroAsync(groupId, topic, timeout ?? DefaultTimeout, cancellationToken);
}
