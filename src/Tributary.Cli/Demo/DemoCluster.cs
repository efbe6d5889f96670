using Akka.Actor;
using Akka.Streams;
using Confluent.Kafka;
using Tributary.Broker;
using Tributary.Broker.Security;
using Tributary.Cli.Common;
using Tributary.Streams;
using Tributary.Streams.Settings;
using AclOperation = Tributary.Broker.Security.AclOperation;

namespace Tributary.Cli.Demo;

/// <summary>
/// The demo's embedded 3-broker cluster and what every step shares: secured as production clusters are (one SASL_SSL
/// listener with certificates from a CA created in-process, SCRAM-SHA-512 users, the authorizer on and the application
/// holding only the ACLs it needs), or plain (PLAINTEXT, no users, no ACLs) for <c>--plaintext</c>. Steps connect as
/// the application; the <see cref="Inspector"/> checks their outcome as an administrator.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    /// <summary>Brokers in the cluster.</summary>
    public const int Brokers = 3;

    /// <summary>The topic the produce step writes and the consuming steps read.</summary>
    public const string GreetingsTopic = "demo-greetings";

    /// <summary>Partitions of the demo's topics.</summary>
    public const int Partitions = 3;

    /// <summary>The application's user: every step's connectors log in as it.</summary>
    public const string AppUser = "demo-app";

    /// <summary>A user that may read the greetings but was given no ACL for its consumer group.</summary>
    public const string ReportingUser = "demo-reporting";

    private const string AdminUser = "demo-admin";
    private const string Listener = "SASL_SSL";
    private const string Mechanism = "SCRAM-SHA-512";

    // A follower that has not caught up for this long leaves the ISR; short, so the replication step need not wait long.
    private static readonly TimeSpan ReplicaLagTimeMax = TimeSpan.FromMilliseconds(500);

    private DemoCluster(EmbeddedKafkaCluster cluster, ActorSystem system, int messages, bool secured)
    {
        Cluster = cluster;
        System = system;
        Messages = messages;
        IsSecured = secured;
        Materializer = system.Materializer();
        Inspector = new TopicInspector(secured ? cluster.GetClientConfig(Listener, AdminUser, Mechanism) : cluster.GetClientConfig());
    }

    /// <summary>The embedded cluster, for the steps that crash brokers and pause replication.</summary>
    public EmbeddedKafkaCluster Cluster { get; }

    /// <summary>The actor system the connectors' streams run in.</summary>
    public ActorSystem System { get; }

    /// <summary>Materializes the steps' streams.</summary>
    public IMaterializer Materializer { get; }

    /// <summary>Messages each seed exercise handles.</summary>
    public int Messages { get; }

    /// <summary>Whether the cluster is secured (SASL_SSL, ACLs) rather than plain.</summary>
    public bool IsSecured { get; }

    /// <summary>Reads what the steps left, as an administrator, with plain Confluent.Kafka clients.</summary>
    public TopicInspector Inspector { get; }

    /// <summary>How the cluster is secured, in one line for the demo's header.</summary>
    public string Description => IsSecured
        ? $"{Listener} on {Cluster.GetBootstrapServers(Listener)} (TLS with a CA made in-process, {Mechanism} user {AppUser}, ACLs enforced)"
        : $"PLAINTEXT on {Cluster.BootstrapServers} (no security)";

    /// <summary>
    /// Starts the cluster, grants the application its ACLs and creates the greetings topic. With
    /// <paramref name="denyProduce"/> (a test hook) the application is also denied WRITE on the greetings topic, so the
    /// produce step fails for real and the demo's exit code can be seen to say so.
    /// </summary>
    public static async Task<DemoCluster> StartAsync(int messages, bool secured, bool denyProduce, CancellationToken cancellationToken)
    {
        var options = secured
            ? new EmbeddedKafkaOptions
            {
                Brokers = Brokers,
                ReplicaLagTimeMax = ReplicaLagTimeMax,
                Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslSsl)],
                Users = new[] { AppUser, ReportingUser, AdminUser }.ToDictionary(user => user, user => $"{user}-secret"),
                EnableAuthorizer = true,
                SuperUsers = [$"User:{AdminUser}"],
            }
            : new EmbeddedKafkaOptions { Brokers = Brokers, ReplicaLagTimeMax = ReplicaLagTimeMax };
        var cluster = await EmbeddedKafkaCluster.StartAsync(options, cancellationToken);
        try
        {
            if (secured) await cluster.AddAclsAsync(Acls(denyProduce), cancellationToken);
            await cluster.CreateTopicAsync(GreetingsTopic, Partitions, replicationFactor: Brokers, cancellationToken: cancellationToken);
            return new DemoCluster(cluster, QuietActorSystem.Create("tributary-demo"), messages, secured);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// What the application may do, and no more: write and read the demo's topics and use its groups (prefixed ACLs,
    /// so each step's topic and group is covered), and write with its transactional ids. The reporting user may read
    /// the greetings, but has no ACL for any group.
    /// </summary>
    private static IEnumerable<AclBinding> Acls(bool denyProduce)
    {
        var app = $"User:{AppUser}";
        yield return AclBinding.Allow(app, AclOperation.Write, AclResourceType.Topic, "demo-", AclPatternType.Prefixed);
        yield return AclBinding.Allow(app, AclOperation.Read, AclResourceType.Topic, "demo-", AclPatternType.Prefixed);
        yield return AclBinding.Allow(app, AclOperation.Read, AclResourceType.Group, "demo-", AclPatternType.Prefixed);
        yield return AclBinding.Allow(app, AclOperation.Write, AclResourceType.TransactionalId, "demo-", AclPatternType.Prefixed);
        yield return AclBinding.Allow($"User:{ReportingUser}", AclOperation.Read, AclResourceType.Topic, GreetingsTopic);
        if (denyProduce) yield return AclBinding.Deny(app, AclOperation.Write, AclResourceType.Topic, GreetingsTopic);
    }

    /// <summary>Client properties for <paramref name="user"/> (the application by default) on the cluster's listener.</summary>
    public Dictionary<string, string> ClientConfig(string user = AppUser) =>
        IsSecured ? Cluster.GetClientConfig(Listener, user, Mechanism) : Cluster.GetClientConfig();

    /// <summary>Producer settings of the application, string keys and values.</summary>
    public ProducerSettings<string, string> ProducerSettings() =>
        ProducerSettings<string, string>.Create(System, Serializers.Utf8, Serializers.Utf8).WithProperties(ClientConfig());

    /// <summary>Consumer settings of <paramref name="user"/> in <paramref name="group"/>, reading from the earliest offset.</summary>
    public ConsumerSettings<string, string> ConsumerSettings(string group, string user = AppUser) =>
        ConsumerSettings<string, string>.Create(System, Deserializers.Utf8, Deserializers.Utf8)
            .WithProperties(ClientConfig(user))
            .WithGroupId(group)
            .WithProperty("auto.offset.reset", "earliest");

    /// <summary>Creates a topic of the demo, replicated on every broker.</summary>
    public Task CreateTopicAsync(string name, int partitions, IReadOnlyDictionary<string, string>? configs = null, CancellationToken cancellationToken = default) =>
        Cluster.CreateTopicAsync(name, partitions, replicationFactor: Brokers, configs, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Inspector.Dispose();
        await System.Terminate();
        await Cluster.DisposeAsync();
    }
}
