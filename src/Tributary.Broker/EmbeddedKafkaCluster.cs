using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Broker.Groups;
using Tributary.Broker.Handlers;
using Tributary.Broker.Log.Storage;
using Tributary.Broker.Metrics;
using Tributary.Broker.Network;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Security.Tls;
using Tributary.Broker.Transactions;
using Tributary.Protocol;

namespace Tributary.Broker;

/// <summary>
/// An in-process, multi-broker, Kafka-compatible cluster on 127.0.0.1 that real Kafka clients connect to.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
/// await cluster.CreateTopicAsync("orders", partitions: 6, replicationFactor: 3);
/// var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers };
/// </code>
/// </example>
public sealed class EmbeddedKafkaCluster : IAsyncDisposable
{
    // How often the data directory's checkpoint files are written: Kafka's replica.high.watermark.checkpoint.interval.ms.
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(5);

    private readonly EmbeddedKafkaOptions _options;
    private readonly ClusterController _controller;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly Authorizer _authorizer;
    private readonly RequestDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ListenerDefinition> _listenerDefinitions;
    private readonly Dictionary<int, BrokerListener[]> _listeners = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LogStorage? _storage; // null: in memory
    private readonly ClusterMetadata? _restored; // the metadata found in the data directory, restored when the cluster starts
    private readonly ClusterMetadataFile? _metadataFile;
    private bool _started;
    private ITimer? _checkpointTimer; // with a data directory: the high watermark and log start checkpoints
    private bool _disposed;
    // Keeps the cluster in the Tributary.Broker meter's gauges while it runs.
    private IDisposable? _metrics;

    private EmbeddedKafkaCluster(EmbeddedKafkaOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Tributary.Broker");
        if (options.DataDirectory is { } dataDirectory)
        {
            _storage = new LogStorage(dataDirectory, options.LoggerFactory.CreateLogger("Tributary.Broker.Log"));
            _restored = ClusterMetadataFile.Load(_storage.MetadataPath);
        }
        var credentials = new UserCredentials(options.Users);
        // SCRAM credentials set at run time come back; the users of the options keep the passwords the options give.
        foreach (var scram in _restored?.Scram ?? [])
        {
            if (credentials.IsConfigured(scram.User) || ScramAlgorithm.FromMechanism(scram.Mechanism) is not { } algorithm) continue;
            credentials.SetScram(scram.User, algorithm, new ScramCredential(scram.Salt, scram.StoredKey, scram.ServerKey, scram.Iterations));
        }
        List<ISaslMechanism> mechanisms =
            [new PlainMechanism(credentials), new ScramMechanism(ScramAlgorithm.Sha256, credentials), new ScramMechanism(ScramAlgorithm.Sha512, credentials)];
        if (options.OAuthBearerUnsecured) mechanisms.Add(new OAuthBearerUnsecuredMechanism(options.TimeProvider));
        var tls = options.Listeners.Any(l => l.SecurityProtocol.UsesTls()) ? ClusterTls.Create(options) : null;
        CertificateAuthority = tls?.GeneratedAuthority;
        _listenerDefinitions = options.Listeners
            .Select((l, i) => new ListenerDefinition(i, l, mechanisms, l.SecurityProtocol.UsesTls() ? tls!.EndpointFor(l.SecurityProtocol) : null))
            .ToList();
        var settings = ClusterSettings.From(options);
        if (_restored is not null) settings = settings.WithDynamicConfigs(false, _restored.DynamicDefaults).WithDynamicConfigs(true, _restored.DynamicBrokerConfigs);
        var brokers = Enumerable.Range(1, options.Brokers).Select(id => new BrokerNode(id, options.Host, options.Listeners, settings.RackOf(id)));
        _controller = new ClusterController(settings, brokers, _logger, _storage, _restored?.ClusterId);
        _groups = new GroupCoordinator(settings.Groups, options.TimeProvider, options.LoggerFactory.CreateLogger("Tributary.Broker.Groups"),
            () => _controller.Topics.Select(topic => new TopicMetadata(topic.Id, topic.Name, topic.Partitions.Count)).ToList(),
            new OffsetsLog(_controller.Coordinators, options.TimeProvider));
        _controller.Coordinators.OnLoad(CoordinatorType.Group, _groups.Load);
        _transactions = new TransactionCoordinator(settings.Transactions, _controller, _groups, options.TimeProvider, options.LoggerFactory.CreateLogger("Tributary.Broker.Transactions"));
        _controller.Coordinators.OnLoad(CoordinatorType.Transaction, _transactions.Load);
        _authorizer = options.EnableAuthorizer
            ? new Authorizer(true, options.SuperUsers, options.AllowEveryoneIfNoAclFound, options.LoggerFactory.CreateLogger("Tributary.Broker.Authorizer"))
            : Authorizer.Disabled;
        if (_storage is not null)
        {
            _metadataFile = new ClusterMetadataFile(_storage.MetadataPath, _controller, _authorizer, credentials);
            _controller.MetadataChanged = _metadataFile.Save;
            if (_authorizer.IsEnabled) _authorizer.Changed += _metadataFile.Save;
            credentials.Changed += _metadataFile.Save;
        }
        Requests = new RequestControls();
        Faults = new FaultInjector(Requests);
        Network = new NetworkControls(_controller);
        _dispatcher = new RequestDispatcher(new HandlerRegistry(BrokerHandlers.Create()), _controller, _groups, _transactions, credentials, options.TimeProvider, Requests, _authorizer, _logger);
    }

    /// <summary>
    /// The name of the <see cref="System.Diagnostics.Metrics.Meter"/> of every cluster's broker metrics, named after
    /// Kafka's JMX MBeans (for OpenTelemetry: <c>metrics.AddMeter(EmbeddedKafkaCluster.MeterName)</c>); see docs/observability.md.
    /// </summary>
    public const string MeterName = BrokerMetrics.MeterName;

    /// <summary>
    /// The two simplest faults: an error for the next requests of an API, and one response delay for every broker
    /// (conveniences over <see cref="Requests"/>).
    /// </summary>
    public FaultInjector Faults { get; }

    /// <summary>
    /// Every request passes here: record requests and responses for assertions, and add rules that answer an error,
    /// delay, drop the connection or hold chosen requests (by API, client id, topic, broker; the Nth, N times or until removed).
    /// </summary>
    public RequestControls Requests { get; }

    /// <summary>The network of each broker: latency, bandwidth, dropped connections, a black hole, isolation (a network partition).</summary>
    public NetworkControls Network { get; }

    /// <summary>
    /// The certificate authority the cluster created for its TLS listeners when no certificate was configured (null
    /// otherwise): clients trust its <see cref="CertificateAuthority.CertificatePem"/>, and it issues client
    /// certificates that SSL listeners with client authentication accept.
    /// </summary>
    public CertificateAuthority? CertificateAuthority { get; }

    /// <summary>Every broker, running or stopped.</summary>
    public IReadOnlyList<BrokerNode> Brokers => _controller.Brokers;

    /// <summary>The bootstrap list of every broker on the first listener, e.g. "127.0.0.1:9092,127.0.0.1:9093".</summary>
    public string BootstrapServers => GetBootstrapServers(_listenerDefinitions[0].Name);

    /// <summary>The bootstrap list of every broker on the listener named <paramref name="listenerName"/> (e.g. <c>SASL_SSL</c>).</summary>
    /// <exception cref="ArgumentException">No listener has that name.</exception>
    public string GetBootstrapServers(string listenerName)
    {
        var listener = FindListener(listenerName);
        return string.Join(',', Brokers.Select(b => $"{b.Host}:{b.PortOn(listener.Index)}"));
    }

    private ListenerDefinition FindListener(string listenerName) =>
        _listenerDefinitions.FirstOrDefault(l => l.Name == listenerName)
        ?? throw new ArgumentException($"No listener named '{listenerName}' (the listeners are {string.Join(", ", _listenerDefinitions.Select(l => l.Name))}).", nameof(listenerName));

    /// <summary>
    /// Client properties (librdkafka names, ready for Confluent.Kafka's <c>new ProducerConfig(properties)</c>) for
    /// connecting to the listener named <paramref name="listenerName"/> (default: the first) as
    /// <paramref name="user"/>: <c>bootstrap.servers</c> and <c>security.protocol</c>; on SASL listeners
    /// <c>sasl.mechanism</c> (default SCRAM-SHA-512) with the user's password from <see cref="EmbeddedKafkaOptions.Users"/>,
    /// or for OAUTHBEARER librdkafka's unsecured token with the user as principal; on TLS listeners the generated
    /// authority as <c>ssl.ca.pem</c>, and on SSL listeners that ask for client certificates a certificate for
    /// <c>CN=</c><paramref name="user"/> issued by it (principal <c>User:CN=user</c>).
    /// </summary>
    /// <param name="listenerName">The listener's name, e.g. <c>SASL_SSL</c>; null for the first listener.</param>
    /// <param name="user">The user; required on SASL listeners, optional on SSL ones, ignored on PLAINTEXT.</param>
    /// <param name="saslMechanism">PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER; null for SCRAM-SHA-512.</param>
    /// <exception cref="ArgumentException">No such listener, a SASL listener without a known user, or a mechanism the cluster does not offer.</exception>
    public Dictionary<string, string> GetClientConfig(string? listenerName = null, string? user = null, string? saslMechanism = null)
    {
        var listener = listenerName is null ? _listenerDefinitions[0] : FindListener(listenerName);
        var config = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = GetBootstrapServers(listener.Name),
            // Lower case, as Confluent.Kafka writes it (its SecurityProtocol getter reads only that form).
            ["security.protocol"] = listener.SecurityProtocol.ToKafkaName().ToLowerInvariant(),
        };
        if (listener.SecurityProtocol.UsesSasl()) AddSaslConfig(config, listener, user, saslMechanism ?? SaslMechanisms.ScramSha512);
        if (listener.Tls is { } tls && CertificateAuthority is { } authority)
        {
            config["ssl.ca.pem"] = authority.CertificatePem;
            if (tls.ClientAuthentication != TlsClientAuthentication.None && user is not null)
            {
                using var certificate = authority.IssueClientCertificate($"CN={user}");
                config["ssl.certificate.pem"] = certificate.ExportCertificatePem();
                config["ssl.key.pem"] = CertificateAuthority.PrivateKeyPem(certificate);
            }
        }
        return config;
    }

    private void AddSaslConfig(Dictionary<string, string> config, ListenerDefinition listener, string? user, string mechanism)
    {
        if (user is null) throw new ArgumentException($"Listener {listener.Name} uses SASL: name a user.", nameof(user));
        if (listener.SaslMechanisms.All(m => m.Name != mechanism))
            throw new ArgumentException($"Listener {listener.Name} does not offer SASL mechanism {mechanism} (it offers {string.Join(", ", listener.SaslMechanisms.Select(m => m.Name))}).", nameof(mechanism));
        config["sasl.mechanism"] = mechanism;
        if (mechanism == SaslMechanisms.OAuthBearer)
        {
            config["enable.sasl.oauthbearer.unsecure.jwt"] = "true";
            config["sasl.oauthbearer.config"] = $"principal={user}";
            return;
        }
        if (!_options.Users.TryGetValue(user, out var password))
            throw new ArgumentException($"No user named '{user}' in the cluster's options.", nameof(user));
        config["sasl.username"] = user;
        config["sasl.password"] = password;
    }

    /// <summary>The cluster id that clients see in metadata.</summary>
    public string ClusterId => _controller.ClusterId;

    /// <summary>Starts a cluster: every broker listening, ready for clients when this completes.</summary>
    /// <exception cref="ArgumentException">The options are invalid (no brokers, a host that is not an IPv4 address).</exception>
    public static async Task<EmbeddedKafkaCluster> StartAsync(EmbeddedKafkaOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedKafkaOptions();
        Validate(options);
        var cluster = new EmbeddedKafkaCluster(options);
        try
        {
            cluster.RestoreDataDirectory();
            foreach (var broker in cluster.Brokers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await cluster.ListenAsync(broker, cluster.InitialPorts(broker.Id)).ConfigureAwait(false);
            }
            foreach (var broker in cluster.Brokers) cluster._controller.StartBroker(broker.Id);
            cluster._metrics = BrokerMetrics.Track(cluster._controller, cluster._groups, cluster._transactions);
            cluster._controller.StartRetentionChecks();
            if (cluster._storage is { } storage)
            {
                // Kafka's replica.high.watermark.checkpoint.interval.ms.
                cluster._checkpointTimer = options.TimeProvider.CreateTimer(_ => storage.WriteCheckpoints(), null, CheckpointInterval, CheckpointInterval);
            }
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        cluster._started = true;
        cluster._logger.LogInformation("Embedded Kafka cluster {ClusterId} started: {Listeners}", cluster.ClusterId,
            string.Join("; ", cluster._listenerDefinitions.Select(l => $"{l.Name} {cluster.GetBootstrapServers(l.Name)}")));
        return cluster;
    }

    /// <summary>
    /// With a data directory: the topics, logs and ACLs an earlier cluster left there come back (the logs recovered,
    /// leaders elected from them), before any broker listens; then the metadata file is written for this cluster.
    /// </summary>
    private void RestoreDataDirectory()
    {
        if (_storage is null) return;
        if (_restored is not null)
        {
            _controller.Restore(_restored);
            if (_authorizer.IsEnabled) _authorizer.Add(_restored.Acls);
            _logger.LogInformation("Restored {Topics} topics from {Directory}", _restored.Topics.Count, _storage.Root);
        }
        _metadataFile!.Save();
    }

    private static void Validate(EmbeddedKafkaOptions options)
    {
        ClusterSettings.From(options); // checks BrokerConfigs
        if (options.Brokers < 1) throw new ArgumentException("A cluster needs at least one broker.", nameof(options));
        if (!IPAddress.TryParse(options.Host, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"Host must be an IPv4 address, not '{options.Host}'.", nameof(options));
        if (options.FirstPort is < 0 or > IPEndPoint.MaxPort) throw new ArgumentException($"Invalid first port {options.FirstPort}.", nameof(options));
        ValidateSecurity(options);
        if (options.DefaultPartitions < 1 || options.DefaultReplicationFactor < 1 || options.MaxRequestSize < 1 || options.RetentionCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("Default partitions, default replication factor, max request size and retention check interval must be positive.", nameof(options));
        if (options.TransactionMaxTimeout <= TimeSpan.Zero || options.TransactionAbortCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("The transaction max timeout and abort check interval must be positive.", nameof(options));
        if (options.ConsumerGroupHeartbeatInterval <= TimeSpan.Zero || options.ConsumerGroupSessionTimeout <= options.ConsumerGroupHeartbeatInterval || options.ConsumerGroupMaxSize < 1)
            throw new ArgumentException("The consumer group heartbeat interval and max size must be positive, and the session timeout longer than the heartbeat interval.", nameof(options));
        if (options.ConsumerGroupAssignors.Count == 0 || options.ConsumerGroupAssignors.Any(name => !ConsumerGroupAssignors.Known.ContainsKey(name)))
            throw new ArgumentException($"Consumer group assignors must be among {string.Join(", ", ConsumerGroupAssignors.Known.Keys)}.", nameof(options));
        if (options.ReplicaLagTimeMax <= TimeSpan.Zero) throw new ArgumentException("The replica lag time max must be positive.", nameof(options));
        if (options.BrokerSessionTimeout <= TimeSpan.Zero) throw new ArgumentException("The broker session timeout must be positive.", nameof(options));
        foreach (var superUser in options.SuperUsers)
        {
            if (superUser is null || superUser.IndexOf(':') <= 0 || superUser.EndsWith(':'))
                throw new ArgumentException($"Super user '{superUser}' is not a principal of the form Type:Name (for example User:alice).", nameof(options));
        }
    }

    private static void ValidateSecurity(EmbeddedKafkaOptions options)
    {
        if (options.Listeners.Count == 0) throw new ArgumentException("A cluster needs at least one listener.", nameof(options));
        var duplicate = options.Listeners.GroupBy(l => l.EffectiveName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Two listeners are named {duplicate.Key}; give listeners of the same security protocol names of their own.", nameof(options));
        foreach (var listener in options.Listeners)
        {
            if (listener.EffectiveName.Length == 0 || !listener.EffectiveName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw new ArgumentException($"Invalid listener name '{listener.EffectiveName}' (letters, digits, '_' and '-').", nameof(options));
            if (listener.FirstPort is < 0 or > IPEndPoint.MaxPort) throw new ArgumentException($"Invalid first port {listener.FirstPort} of listener {listener.EffectiveName}.", nameof(options));
        }
        var tls = options.Tls;
        if ((tls.CertificatePemFile is null) != (tls.PrivateKeyPemFile is null))
            throw new ArgumentException("A TLS certificate file needs its private key file, and the other way round.", nameof(options));
        if (tls.CertificatePemFile is not null && tls.ClientAuthentication != TlsClientAuthentication.None && tls.ClientCertificateAuthorityPemFile is null)
            throw new ArgumentException("TLS client authentication with a broker certificate from files needs the client certificate authority file.", nameof(options));
        if (tls.HandshakeTimeout <= TimeSpan.Zero) throw new ArgumentException("The TLS handshake timeout must be positive.", nameof(options));
        foreach (var (user, password) in options.Users)
        {
            if (user.Length == 0 || user.Contains('\0')) throw new ArgumentException("A user name must be non-empty and free of NUL characters.", nameof(options));
            if (password.Length == 0) throw new ArgumentException($"User {user} needs a non-empty password.", nameof(options));
        }
    }

    /// <summary>The ports a broker first listens on, one per listener: the first port plus the id minus one, or any free port.</summary>
    private int[] InitialPorts(int brokerId) =>
        _listenerDefinitions.Select(l => FirstPort(_options, l.Index) is var first and > 0 ? first + brokerId - 1 : 0).ToArray();

    /// <summary>The port of broker 1 on listener <paramref name="listener"/>, 0 for any.</summary>
    private static int FirstPort(EmbeddedKafkaOptions options, int listener) =>
        options.Listeners[listener].FirstPort is var own and > 0 ? own : listener == 0 ? options.FirstPort : 0;

    /// <summary>Starts <paramref name="broker"/>'s listeners on <paramref name="ports"/> (one per listener, 0 for any free port).</summary>
    private async Task ListenAsync(BrokerNode broker, int[] ports)
    {
        var started = new List<BrokerListener>();
        try
        {
            foreach (var definition in _listenerDefinitions)
            {
                var listener = BrokerListener.Start(broker, _options.Host, ports[definition.Index], _dispatcher, _controller.Settings.MaxRequestSize, _logger, definition, Network.Link(broker.Id));
                started.Add(listener);
                broker.SetPort(definition.Index, listener.Port);
            }
        }
        catch
        {
            foreach (var listener in started) await listener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _listeners[broker.Id] = started.ToArray();
    }

    /// <summary>Creates a topic; its partition leaders are spread over the live brokers.</summary>
    /// <exception cref="EmbeddedKafkaException">Kafka would refuse it (for example TopicAlreadyExists or InvalidReplicationFactor).</exception>
    public Task CreateTopicAsync(string name, int partitions = 1, short replicationFactor = 1,
        IReadOnlyDictionary<string, string>? configs = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var spec = new TopicSpec(name, partitions, replicationFactor,
            Configs: configs?.ToDictionary(c => c.Key, c => (string?)c.Value));
        ThrowOnError(_controller.CreateTopic(spec));
        return Task.CompletedTask;
    }

    /// <summary>Deletes a topic and its data.</summary>
    /// <exception cref="EmbeddedKafkaException">The topic does not exist.</exception>
    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowOnError(_controller.DeleteTopic(name));
        return Task.CompletedTask;
    }

    /// <summary>The cluster's topics and partitions, for tests that look at the brokers' state directly.</summary>
    internal ClusterController Controller => _controller;

    /// <summary>Every topic as the cluster holds it now (Kafka's internal topics are not modelled), ordered by name.</summary>
    public IReadOnlyList<TopicDescription> DescribeTopics() =>
        _controller.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(topic => new TopicDescription(topic.Name, topic.Id,
            topic.Partitions.Select(p =>
            {
                var (leadership, log) = (p.Leadership, p.LeaderLog);
                return new PartitionDescription(p.Index, leadership.Leader, leadership.LeaderEpoch, leadership.Replicas, leadership.Isr,
                    log?.LogStartOffset ?? -1, log?.HighWatermark ?? -1);
            }).ToList(),
            topic.Config.Overrides)).ToList();

    /// <summary>
    /// Adds ACLs (an ACL that exists already stays as it is), as Kafka's CreateAcls would. They apply to the next
    /// request of every connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cluster was started without <see cref="EmbeddedKafkaOptions.EnableAuthorizer"/>.</exception>
    /// <exception cref="ArgumentException">An ACL is one Kafka refuses (a filter-only value such as ANY, an empty name, a principal without a type); none is added then.</exception>
    public Task AddAclsAsync(IEnumerable<AclBinding> acls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(acls);
        var list = acls.ToList();
        RequireAuthorizer();
        cancellationToken.ThrowIfCancellationRequested();
        var invalid = list.Select(acl => (acl, Problem: acl.Problem())).FirstOrDefault(a => a.Problem is not null);
        if (invalid.Problem is not null) throw new ArgumentException($"Invalid ACL {invalid.acl}: {invalid.Problem}.", nameof(acls));
        _authorizer.Add(list);
        return Task.CompletedTask;
    }

    /// <summary>Removes the ACLs that <paramref name="filter"/> matches, as Kafka's DeleteAcls would, and returns them.</summary>
    /// <exception cref="InvalidOperationException">The cluster was started without <see cref="EmbeddedKafkaOptions.EnableAuthorizer"/>.</exception>
    /// <exception cref="ArgumentException">The filter holds an UNKNOWN value.</exception>
    public Task<IReadOnlyList<AclBinding>> RemoveAclsAsync(AclBindingFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        RequireAuthorizer();
        cancellationToken.ThrowIfCancellationRequested();
        if (filter.Problem() is { } problem) throw new ArgumentException(problem, nameof(filter));
        return Task.FromResult(_authorizer.Remove([filter])[0]);
    }

    /// <summary>The ACLs that <paramref name="filter"/> matches (every ACL when null), in the order they were added.</summary>
    /// <exception cref="InvalidOperationException">The cluster was started without <see cref="EmbeddedKafkaOptions.EnableAuthorizer"/>.</exception>
    public IReadOnlyList<AclBinding> GetAcls(AclBindingFilter? filter = null)
    {
        RequireAuthorizer();
        return _authorizer.Find(filter ?? AclBindingFilter.All);
    }

    private void RequireAuthorizer()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_authorizer.IsEnabled)
            throw new InvalidOperationException("ACLs need a cluster started with EmbeddedKafkaOptions.EnableAuthorizer = true.");
    }

    /// <summary>
    /// Stops a broker the way Kafka's controlled shutdown does: it stops taking requests (its connections close,
    /// its port stops listening), waits until its in-sync followers have every record it leads (or have left the
    /// ISR for lagging longer than <see cref="EmbeddedKafkaOptions.ReplicaLagTimeMax"/>), then hands its
    /// leaderships to in-sync replicas with a new leader epoch, so nothing acknowledged is lost. Its logs are kept.
    /// A partition with no other in-sync replica has no leader until this broker returns (or, with
    /// unclean.leader.election.enable, an out-of-sync replica takes over). Stopping a stopped broker does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public Task StopBrokerAsync(int brokerId, CancellationToken cancellationToken = default) => TakeDownAsync(brokerId, controlled: true, cancellationToken);

    /// <summary>
    /// Kills a broker, as a crash or a kill -9 would: its connections close at once and its leaderships move
    /// without waiting for followers to catch up, so records it acknowledged with acks=1 (or acks=all while it
    /// was the only in-sync replica) that no follower copied are lost if another replica takes over. Its logs are
    /// kept as a disk keeps them; <see cref="StartBrokerAsync"/> brings it back, truncating what diverges from the
    /// new leader. Crashing a stopped broker does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public Task CrashBrokerAsync(int brokerId, CancellationToken cancellationToken = default) => TakeDownAsync(brokerId, controlled: false, cancellationToken);

    private async Task TakeDownAsync(int brokerId, bool controlled, CancellationToken cancellationToken)
    {
        var broker = FindBroker(brokerId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_listeners.Remove(brokerId, out var listeners)) return;
            foreach (var listener in listeners) await listener.DisposeAsync().ConfigureAwait(false);
            if (controlled) await _controller.WaitForFollowersAsync(broker.Id, cancellationToken).ConfigureAwait(false);
            _controller.StopBroker(broker.Id);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts a stopped or crashed broker again on its old port: its replicas follow their leaders, first
    /// truncating records that diverge from the leader's history (leader epochs), then catching up, and rejoin
    /// the ISR once caught up; it leads the partitions that had no leader and whose ISR it is in (or any, with
    /// unclean.leader.election.enable). Starting a running broker does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public async Task StartBrokerAsync(int brokerId, CancellationToken cancellationToken = default)
    {
        var broker = FindBroker(brokerId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listeners.ContainsKey(brokerId)) return;
            await ListenAsync(broker, _listenerDefinitions.Select(l => broker.PortOn(l.Index)).ToArray()).ConfigureAwait(false);
            _controller.StartBroker(broker.Id);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The replicas on <paramref name="brokerId"/> stop copying from their leaders until <see cref="ResumeReplication"/>.</summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void PauseReplication(int brokerId) => _controller.PauseReplication(brokerId, paused: true);

    /// <summary>The replicas on <paramref name="brokerId"/> catch up with their leaders again.</summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public void ResumeReplication(int brokerId) => _controller.PauseReplication(brokerId, paused: false);

    /// <summary>
    /// Makes every copy the replicas on <paramref name="brokerId"/> fetch from their leaders arrive
    /// <paramref name="delay"/> late (replication latency), so acks=all answers take longer; zero removes the delay.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id, or the delay is negative.</exception>
    public void SetReplicationDelay(int brokerId, TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentException("The replication delay cannot be negative.", nameof(delay));
        _controller.SetReplicationDelay(brokerId, delay);
    }

    /// <summary>
    /// Moves the leadership of <paramref name="topic"/>-<paramref name="partition"/> to <paramref name="brokerId"/>, as
    /// Kafka's controller does for a preferred leader election or a reassignment: a new leader epoch, the ISR
    /// unchanged. Clients see it as in production: the old leader answers produce and fetch requests (and pending
    /// acks=all produces) with NOT_LEADER_OR_FOLLOWER, clients refresh their metadata, find the new leader and carry on
    /// there (consumers from their position, after validating it with the new epoch). Moving to the current leader
    /// does nothing.
    /// </summary>
    /// <exception cref="EmbeddedKafkaException">
    /// UNKNOWN_TOPIC_OR_PARTITION for no such partition; PREFERRED_LEADER_NOT_AVAILABLE when the broker is not a
    /// replica, not running, isolated, or not in the ISR (it could lose acknowledged records).
    /// </exception>
    public Task MoveLeaderAsync(string topic, int partition, int brokerId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var state = _controller.FindPartition(topic, partition)
            ?? throw new EmbeddedKafkaException(ErrorCode.UnknownTopicOrPartition, $"No partition {topic}-{partition}.");
        var result = _controller.MoveLeader(state, brokerId);
        if (result.Error != ErrorCode.ElectionNotNeeded) ThrowOnError(result);
        return Task.CompletedTask;
    }

    /// <summary>The id of the broker that leads <paramref name="topic"/>-<paramref name="partition"/> now, -1 while it has no leader.</summary>
    /// <exception cref="EmbeddedKafkaException">UNKNOWN_TOPIC_OR_PARTITION for no such partition.</exception>
    public int GetLeader(string topic, int partition) =>
        (_controller.FindPartition(topic, partition) ?? throw new EmbeddedKafkaException(ErrorCode.UnknownTopicOrPartition, $"No partition {topic}-{partition}."))
        .Leadership.Leader;

    /// <summary>
    /// Makes <paramref name="brokerId"/> the coordinator of consumer group <paramref name="groupId"/>: the leadership of
    /// the group's <c>__consumer_offsets</c> partition moves there (as <see cref="MoveLeaderAsync"/>), and the broker
    /// loads the partition's groups and committed offsets from its replica of the log; the task completes once it has.
    /// Clients see NOT_COORDINATOR from the old coordinator on their next group request (heartbeat, commit, join...),
    /// look the coordinator up again with FindCoordinator, and carry on with the new one: committed offsets are kept,
    /// and members of a classic group rejoin (the new coordinator knows the group's last generation from the log, not
    /// its live sessions). Works before the group exists too (other groups of the same partition move with it).
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id, or it is not running.</exception>
    /// <exception cref="EmbeddedKafkaException">PREFERRED_LEADER_NOT_AVAILABLE when the broker is not an in-sync replica of the partition.</exception>
    public Task MoveGroupCoordinatorAsync(string groupId, int brokerId, CancellationToken cancellationToken = default) =>
        MoveCoordinator(CoordinatorType.Group, groupId, brokerId, cancellationToken);

    /// <summary>
    /// Makes <paramref name="brokerId"/> the coordinator of transactional id <paramref name="transactionalId"/>: the
    /// leadership of its <c>__transaction_state</c> partition moves there, and the broker loads the partition's
    /// transactional ids from its replica of the log (a transaction being committed or aborted is completed); the task
    /// completes once it has. Transactional producers see NOT_COORDINATOR on their next request to the old coordinator
    /// (AddPartitionsToTxn, EndTxn...), find the new one with FindCoordinator and retry there; the transaction goes on.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id, or it is not running.</exception>
    /// <exception cref="EmbeddedKafkaException">PREFERRED_LEADER_NOT_AVAILABLE when the broker is not an in-sync replica of the partition.</exception>
    public Task MoveTransactionCoordinatorAsync(string transactionalId, int brokerId, CancellationToken cancellationToken = default) =>
        MoveCoordinator(CoordinatorType.Transaction, transactionalId, brokerId, cancellationToken);

    /// <summary>
    /// The id of the broker that coordinates consumer group <paramref name="groupId"/> now: the leader of its
    /// <c>__consumer_offsets</c> partition (created on first use), -1 while that partition has no leader.
    /// </summary>
    public int GetGroupCoordinator(string groupId) => _controller.Coordinators.CoordinatorOf(CoordinatorType.Group, groupId)?.Id ?? -1;

    /// <summary>
    /// The id of the broker that coordinates transactional id <paramref name="transactionalId"/> now: the leader of its
    /// <c>__transaction_state</c> partition (created on first use), -1 while that partition has no leader.
    /// </summary>
    public int GetTransactionCoordinator(string transactionalId) => _controller.Coordinators.CoordinatorOf(CoordinatorType.Transaction, transactionalId)?.Id ?? -1;

    private async Task MoveCoordinator(CoordinatorType type, string key, int brokerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!FindBroker(brokerId).IsAlive) throw new ArgumentException($"Broker {brokerId} is not running.", nameof(brokerId));
        var result = _controller.Coordinators.Move(type, key, brokerId);
        if (result.Error != ErrorCode.ElectionNotNeeded) ThrowOnError(result);
        await _controller.Coordinators.WaitLoadedAsync(type, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a broker to the running cluster, as starting a new Kafka broker with a fresh node id does, and returns
    /// its id (one more than the highest id). It listens on every listener (on the first port plus id minus one
    /// when <see cref="EmbeddedKafkaOptions.FirstPort"/> is set, else any free port), appears in metadata at once,
    /// and hosts the replicas of topics created (or partitions reassigned) after it joined; existing partitions stay
    /// where they are, as in Kafka.
    /// </summary>
    /// <exception cref="System.Net.Sockets.SocketException">Its port is taken.</exception>
    public async Task<int> AddBrokerAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var id = Brokers.Max(b => b.Id) + 1;
            var broker = new BrokerNode(id, _options.Host, _options.Listeners, _controller.Settings.RackOf(id));
            _controller.AddBroker(broker);
            try
            {
                await ListenAsync(broker, InitialPorts(broker.Id)).ConfigureAwait(false);
            }
            catch
            {
                await _controller.RemoveBrokerAsync(broker.Id).ConfigureAwait(false);
                throw;
            }
            _controller.StartBroker(broker.Id);
            _logger.LogInformation("Broker {Broker} added at {Address}", broker.Id, broker.Address);
            return broker.Id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes a broker from the cluster for good (decommissioning): it stops, its connections close, and metadata
    /// lists it no more. The rule, as in Kafka, where a decommissioned broker's partitions must first be reassigned:
    /// only a broker that hosts no replica can be removed; move its replicas away first (AlterPartitionReassignments),
    /// or create the topics it should not host without it. A removed broker's coordinated groups and transactional ids
    /// move to the next running broker.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    /// <exception cref="EmbeddedKafkaException">INVALID_REPLICA_ASSIGNMENT: the broker still hosts replicas (they are named).</exception>
    public async Task RemoveBrokerAsync(int brokerId, CancellationToken cancellationToken = default)
    {
        FindBroker(brokerId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowOnError(await _controller.RemoveBrokerAsync(brokerId).ConfigureAwait(false));
            if (_listeners.Remove(brokerId, out var listeners))
                foreach (var listener in listeners) await listener.DisposeAsync().ConfigureAwait(false);
            Network.Forget(brokerId);
        }
        finally
        {
            _gate.Release();
        }
    }

    private BrokerNode FindBroker(int brokerId) =>
        _controller.Broker(brokerId) ?? throw new ArgumentException($"No broker with id {brokerId}.", nameof(brokerId));

    private static void ThrowOnError(ControllerResult result)
    {
        if (result.Error != ErrorCode.None) throw new EmbeddedKafkaException(result.Error, result.Message ?? result.Error.ToString());
    }

    /// <summary>Stops every broker: closes every connection and frees every port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            _metrics?.Dispose();
            if (_checkpointTimer is not null) await _checkpointTimer.DisposeAsync().ConfigureAwait(false);
            await _controller.DisposeAsync().ConfigureAwait(false);
            foreach (var listener in _listeners.Values.SelectMany(l => l)) await listener.DisposeAsync().ConfigureAwait(false);
            _listeners.Clear();
            _transactions.Dispose();
            _groups.Dispose();
            // Logs flushed and closed, then the marker that lets the next start skip the full recovery.
            if (_storage is not null)
            {
                // Not after a failed recovery either: checkpoints of half-restored logs would hide what the files hold.
                if (_started) _storage.WriteCheckpoints();
                _controller.CloseLogs();
                // Not after a failed recovery: the next start recovers in full.
                if (_started) _storage.MarkCleanShutdown();
            }
            CertificateAuthority?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
