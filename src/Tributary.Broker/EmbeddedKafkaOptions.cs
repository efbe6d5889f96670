using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Log;

namespace Tributary.Broker;

/// <summary>How an <see cref="EmbeddedKafkaCluster"/> is set up.</summary>
public sealed class EmbeddedKafkaOptions
{
    /// <summary>The number of brokers (ids 1 to <see cref="Brokers"/>). Default 1.</summary>
    public int Brokers { get; init; } = 1;

    /// <summary>
    /// The IPv4 address every broker listens on and advertises. Default 127.0.0.1 (never "localhost": some
    /// clients resolve it to ::1 first).
    /// </summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// The port of broker 1 on the first listener; broker n listens on <c>FirstPort + n - 1</c>. 0 (the default) picks
    /// free ports. A listener's own <see cref="ListenerOptions.FirstPort"/> takes precedence.
    /// </summary>
    public int FirstPort { get; init; }

    /// <summary>
    /// The listeners of every broker, each with its security protocol and its own ports (Kafka's <c>listeners</c>).
    /// Default: one PLAINTEXT listener. <see cref="EmbeddedKafkaCluster.BootstrapServers"/> is the first listener's list,
    /// and a client is answered with the brokers' addresses on the listener it connected to.
    /// </summary>
    public IReadOnlyList<ListenerOptions> Listeners { get; init; } = [new ListenerOptions(KafkaSecurityProtocol.Plaintext)];

    /// <summary>The TLS settings of SSL and SASL_SSL listeners. Default: a certificate created in-process, no client certificates.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>
    /// The users who may authenticate on SASL listeners, name to password; each may use PLAIN, SCRAM-SHA-256 and
    /// SCRAM-SHA-512 (SCRAM credentials are salted and stored with 4096 iterations, as Kafka's tools create them).
    /// Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether a Metadata request for an unknown topic creates it (Kafka's auto.create.topics.enable). Default true.</summary>
    public bool AutoCreateTopics { get; init; } = true;

    /// <summary>The partition count of auto-created topics and of CreateTopics without one (num.partitions). Default 1.</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary>The replication factor of auto-created topics and of CreateTopics without one (default.replication.factor). Default 1.</summary>
    public short DefaultReplicationFactor { get; init; } = 1;

    /// <summary>
    /// How long a new consumer group waits for more members before its first rebalance
    /// (group.initial.rebalance.delay.ms). Default zero, so tests do not wait; Kafka's default is 3 seconds.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The shortest session timeout a group member may ask for (Kafka's group.min.session.timeout.ms, 6 s).
    /// Tests that watch a member's session expire can lower it.
    /// </summary>
    public TimeSpan GroupMinSessionTimeout { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// How often members of consumer groups of the new protocol (KIP-848, <c>group.protocol=consumer</c>) heartbeat
    /// (group.consumer.heartbeat.interval.ms). Default 5 seconds, as in Kafka; the coordinator tells clients.
    /// Reconciliation advances at heartbeats, so tests that rebalance often may shorten it.
    /// </summary>
    public TimeSpan ConsumerGroupHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a member of a consumer group of the new protocol lives without heartbeats
    /// (group.consumer.session.timeout.ms). Default 45 seconds, as in Kafka.
    /// </summary>
    public TimeSpan ConsumerGroupSessionTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long committed offsets are kept (offsets.retention.minutes, 7 days as in Kafka): from when a classic group
    /// became empty, from the commit for consumer groups of the new protocol and standalone commits, never while members
    /// subscribe to the topic; an empty group left without offsets is deleted. Tests may use seconds (DescribeConfigs
    /// then shows it rounded up to whole minutes).
    /// </summary>
    public TimeSpan OffsetsRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often expired offsets are looked for (offsets.retention.check.interval.ms). Default 10 minutes, as in Kafka.</summary>
    public TimeSpan OffsetsRetentionCheckInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The most members a consumer group of the new protocol may have (group.consumer.max.size). Default unlimited.</summary>
    public int ConsumerGroupMaxSize { get; init; } = int.MaxValue;

    /// <summary>
    /// The server-side assignors of consumer groups of the new protocol, the first being the default
    /// (group.consumer.assignors): "uniform" and "range", as in Kafka. Members choose with group.remote.assignor.
    /// </summary>
    public IReadOnlyList<string> ConsumerGroupAssignors { get; init; } = ["uniform", "range"];

    /// <summary>
    /// The largest transaction.timeout.ms a transactional producer may ask for (transaction.max.timeout.ms);
    /// more is INVALID_TRANSACTION_TIMEOUT. Default 15 minutes, as in Kafka.
    /// </summary>
    public TimeSpan TransactionMaxTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How often the transaction coordinator aborts transactions older than their timeout
    /// (transaction.abort.timed.out.transaction.cleanup.interval.ms). Default 1 second; Kafka's is 10 seconds. The check
    /// runs only while the cluster knows a transactional id (with none it has nothing to do), on the ticks it would have
    /// had since the cluster started.
    /// </summary>
    public TimeSpan TransactionAbortCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often retention.ms and retention.bytes are applied (log.retention.check.interval.ms). Default 5 minutes,
    /// as in Kafka, so data produced with old timestamps is not deleted sooner than Kafka would; tests of retention
    /// set it short.
    /// </summary>
    public TimeSpan RetentionCheckInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether SASL listeners offer OAUTHBEARER with Kafka's unsecured JWS tokens (for tests: an unsigned JWT whose
    /// <c>sub</c> claim is the principal and whose <c>exp</c> claim must be in the future, as librdkafka's
    /// <c>sasl.oauthbearer.config=principal=alice</c> makes one). Default false.
    /// </summary>
    public bool OAuthBearerUnsecured { get; init; }

    /// <summary>
    /// How long a follower may go without catching up with its leader before it leaves the ISR
    /// (replica.lag.time.max.ms). Default 30 seconds, as in Kafka; tests of ISR changes set it short.
    /// </summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Broker configs by their Kafka names (as in server.properties), which win over the typed options: among others
    /// <c>num.partitions</c>, <c>default.replication.factor</c>, <c>auto.create.topics.enable</c>,
    /// <c>min.insync.replicas</c>, <c>unclean.leader.election.enable</c>, <c>replica.lag.time.max.ms</c>,
    /// <c>group.initial.rebalance.delay.ms</c>, <c>group.min.session.timeout.ms</c>, <c>group.max.session.timeout.ms</c>,
    /// <c>log.retention.ms</c>, <c>log.retention.bytes</c>, <c>log.retention.check.interval.ms</c>,
    /// <c>message.max.bytes</c>, <c>transaction.max.timeout.ms</c>, <c>offsets.topic.num.partitions</c>,
    /// <c>group.consumer.*</c>, every broker default of a topic config (<c>log.cleanup.policy</c>,
    /// <c>compression.type</c>, ...) and <c>broker.rack</c> (one rack for every broker, or a comma-separated list
    /// giving each broker its rack in id order), <c>replica.selector.class</c>
    /// (<c>org.apache.kafka.common.replica.RackAwareReplicaSelector</c>: consumers with <c>client.rack</c> read from a
    /// replica in their rack, KIP-392). DescribeConfigs reports them as STATIC_BROKER_CONFIG. The list, with
    /// which ones clients may change at run time, is in docs/embedded-cluster.md. An unknown name or a bad value is an
    /// <see cref="ArgumentException"/> when the cluster starts.
    /// </summary>
    public IReadOnlyDictionary<string, string> BrokerConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A directory to keep the cluster in, so it survives a restart; null (the default) keeps everything in memory.
    /// Each broker writes its partition replicas under <c>DIR/broker-&lt;id&gt;/&lt;topic&gt;-&lt;partition&gt;/</c> in
    /// Kafka's file layout (segment <c>.log</c> files with <c>.index</c> and <c>.timeindex</c>,
    /// <c>leader-epoch-checkpoint</c>, <c>partition.metadata</c>), and the cluster metadata (topics, configs, ACLs,
    /// SCRAM credentials) goes to <c>DIR/cluster-metadata.json</c>. A cluster started on a directory an earlier one
    /// used recovers it, after a crash too: see docs/embedded-cluster.md. Appends reach the operating system at once
    /// (a killed process loses nothing acknowledged); flush.messages and flush.ms force them to disk.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>The largest request a connection accepts (socket.request.max.bytes). Default 100 MiB.</summary>
    public int MaxRequestSize { get; init; } = 100 * 1024 * 1024;

    /// <summary>
    /// Whether requests are authorized with ACLs, as a Kafka broker with <c>authorizer.class.name</c> set to its
    /// StandardAuthorizer. Default false: every request is allowed, and CreateAcls, DescribeAcls and DeleteAcls answer
    /// SECURITY_DISABLED. When true, a principal may do only what an ACL allows it (or everything, if it is one of
    /// <see cref="SuperUsers"/>); ACLs are added with <see cref="EmbeddedKafkaCluster.AddAclsAsync"/> or Kafka's
    /// CreateAcls (an admin client, kafka-acls, <c>tributary acls</c>).
    /// </summary>
    public bool EnableAuthorizer { get; init; }

    /// <summary>
    /// Principals allowed everything whatever the ACLs say (Kafka's <c>super.users</c>), written <c>Type:Name</c>,
    /// e.g. <c>User:admin</c>. A connection that did not authenticate is <c>User:ANONYMOUS</c>.
    /// </summary>
    public IReadOnlyList<string> SuperUsers { get; init; } = [];

    /// <summary>
    /// Whether a resource that no ACL applies to is open to everyone (Kafka's <c>allow.everyone.if.no.acl.found</c>).
    /// Default false, as in Kafka: with the authorizer on, what no ACL allows is denied.
    /// </summary>
    public bool AllowEveryoneIfNoAclFound { get; init; }

    /// <summary>
    /// Kafka's broker.session.timeout.ms: how long the controller goes without hearing from a broker cut off by
    /// <see cref="Faults.NetworkControls.Isolate"/> before it fences it (moves its leaderships to in-sync replicas and
    /// drops it from metadata). Default 9 seconds, as in Kafka.
    /// </summary>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromSeconds(9);

    /// <summary>The clock for timestamps, retention, long polls, group and transaction timeouts; tests may replace it.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the cluster logs. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// The pool the cluster's in-memory logs take their chunks from and give them back to: the process's shared pool
    /// when null. A test gives its cluster a pool of its own to count that cluster's reuse alone, which the tests
    /// running beside it in the process cannot take from, fill or trim.
    /// </summary>
    internal LogChunkPool? ChunkPool { get; init; }
}
