using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Broker.Groups;
using Tributary.Broker.Handlers;
using Tributary.Broker.Network;
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
    private readonly EmbeddedKafkaOptions _options;
    private readonly ClusterController _controller;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly RequestDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ListenerDefinition> _listenerDefinitions;
    private readonly Dictionary<int, BrokerListener[]> _listeners = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITimer? _retentionTimer;
    private bool _disposed;

    private EmbeddedKafkaCluster(EmbeddedKafkaOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Tributary.Broker");
        var credentials = new UserCredentials(options.Users);
        List<ISaslMechanism> mechanisms =
            [new PlainMechanism(credentials), new ScramMechanism(ScramAlgorithm.Sha256, credentials), new ScramMechanism(ScramAlgorithm.Sha512, credentials)];
        if (options.OAuthBearerUnsecured) mechanisms.Add(new OAuthBearerUnsecuredMechanism(options.TimeProvider));
        var tls = options.Listeners.Any(l => l.SecurityProtocol.UsesTls()) ? ClusterTls.Create(options) : null;
        CertificateAuthority = tls?.GeneratedAuthority;
        _listenerDefinitions = options.Listeners
            .Select((l, i) => new ListenerDefinition(i, l, mechanisms, l.SecurityProtocol.UsesTls() ? tls!.EndpointFor(l.SecurityProtocol) : null))
            .ToList();
        var brokers = Enumerable.Range(1, options.Brokers).Select(id => new BrokerNode(id, options.Host, options.Listeners));
        _controller = new ClusterController(ClusterSettings.From(options), brokers, _logger);
        _groups = new GroupCoordinator(new GroupCoordinatorOptions { InitialRebalanceDelay = options.GroupInitialRebalanceDelay, MinSessionTimeout = options.GroupMinSessionTimeout },
            options.TimeProvider, options.LoggerFactory.CreateLogger("Tributary.Broker.Groups"));
        _transactions = new TransactionCoordinator(
            new TransactionCoordinatorOptions { MaxTimeout = options.TransactionMaxTimeout, AbortCheckInterval = options.TransactionAbortCheckInterval },
            _controller, _groups, options.TimeProvider, options.LoggerFactory.CreateLogger("Tributary.Broker.Transactions"));
        _dispatcher = new RequestDispatcher(new HandlerRegistry(BrokerHandlers.Create()), _controller, _groups, _transactions, options.TimeProvider, Faults, _logger);
    }

    /// <summary>Errors and delays a test can inject into every broker's answers.</summary>
    public FaultInjector Faults { get; } = new();

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
        var listener = _listenerDefinitions.FirstOrDefault(l => l.Name == listenerName)
            ?? throw new ArgumentException($"No listener named '{listenerName}' (the listeners are {string.Join(", ", _listenerDefinitions.Select(l => l.Name))}).", nameof(listenerName));
        return string.Join(',', Brokers.Select(b => $"{b.Host}:{b.PortOn(listener.Index)}"));
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
            foreach (var broker in cluster.Brokers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ports = cluster._listenerDefinitions.Select(l => FirstPort(options, l.Index) is var first and > 0 ? first + broker.Id - 1 : 0).ToArray();
                await cluster.ListenAsync(broker, ports).ConfigureAwait(false);
            }
            cluster._retentionTimer = options.TimeProvider.CreateTimer(
                _ => cluster._controller.ApplyRetention(options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds()),
                null, options.RetentionCheckInterval, options.RetentionCheckInterval);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        cluster._logger.LogInformation("Embedded Kafka cluster {ClusterId} started: {Listeners}", cluster.ClusterId,
            string.Join("; ", cluster._listenerDefinitions.Select(l => $"{l.Name} {cluster.GetBootstrapServers(l.Name)}")));
        return cluster;
    }

    private static void Validate(EmbeddedKafkaOptions options)
    {
        if (options.Brokers < 1) throw new ArgumentException("A cluster needs at least one broker.", nameof(options));
        if (!IPAddress.TryParse(options.Host, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"Host must be an IPv4 address, not '{options.Host}'.", nameof(options));
        if (options.FirstPort is < 0 or > IPEndPoint.MaxPort) throw new ArgumentException($"Invalid first port {options.FirstPort}.", nameof(options));
        ValidateSecurity(options);
        if (options.DefaultPartitions < 1 || options.DefaultReplicationFactor < 1 || options.MaxRequestSize < 1 || options.RetentionCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("Default partitions, default replication factor, max request size and retention check interval must be positive.", nameof(options));
        if (options.TransactionMaxTimeout <= TimeSpan.Zero || options.TransactionAbortCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("The transaction max timeout and abort check interval must be positive.", nameof(options));
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
                var listener = BrokerListener.Start(broker, _options.Host, ports[definition.Index], _dispatcher, _options.MaxRequestSize, _logger, definition);
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
        broker.IsAlive = true;
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

    /// <summary>
    /// Stops a broker: its connections close, its port stops listening, and its partitions get new leaders among
    /// the live replicas (with a new leader epoch), as after a broker failure. Stopping a stopped broker does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">No broker has that id.</exception>
    public async Task StopBrokerAsync(int brokerId, CancellationToken cancellationToken = default)
    {
        var broker = FindBroker(brokerId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_listeners.Remove(brokerId, out var listeners)) return;
            _controller.StopBroker(broker.Id);
            foreach (var listener in listeners) await listener.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts a stopped broker again on its old port: it rejoins the ISR of its partitions and leads those that had
    /// no live replica. Starting a running broker does nothing.
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
            if (_retentionTimer is not null) await _retentionTimer.DisposeAsync().ConfigureAwait(false);
            foreach (var broker in Brokers) broker.IsAlive = false;
            foreach (var listener in _listeners.Values.SelectMany(l => l)) await listener.DisposeAsync().ConfigureAwait(false);
            _listeners.Clear();
            _transactions.Dispose();
            _groups.Dispose();
            CertificateAuthority?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
