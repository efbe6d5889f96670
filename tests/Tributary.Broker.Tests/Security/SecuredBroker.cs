using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Broker.Groups;
using Tributary.Broker.Handlers;
using Tributary.Broker.Network;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Broker.Transactions;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>
/// One broker with the authorizer on, reached through the request dispatcher as a connection authenticated as any
/// principal would reach it: the request is encoded, dispatched with that principal on the connection, and the
/// response frame decoded.
/// </summary>
internal sealed class SecuredBroker : IDisposable
{
    public const string Topic = "topic";
    public const string ClientHost = "127.0.0.1";
    private readonly BrokerNode _broker = new(1, "127.0.0.1") { IsAlive = true };
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly RequestDispatcher _dispatcher;

    public SecuredBroker(bool allowEveryoneIfNoAclFound = false, bool autoCreateTopics = true, params string[] superUsers)
    {
        _broker.SetPort(0, 9092);
        Cluster = new ClusterController(ClusterSettings.From(new EmbeddedKafkaOptions { AutoCreateTopics = autoCreateTopics }), [_broker], NullLogger.Instance);
        Cluster.CreateTopic(new TopicSpec(Topic, Partitions: 2, ReplicationFactor: 1));
        _groups = new GroupCoordinator(new GroupCoordinatorOptions(), TimeProvider.System, NullLogger.Instance);
        _transactions = new TransactionCoordinator(new TransactionCoordinatorOptions(), Cluster, _groups, TimeProvider.System, NullLogger.Instance);
        Authorizer = new Authorizer(true, superUsers, allowEveryoneIfNoAclFound, NullLogger.Instance);
        _dispatcher = new RequestDispatcher(new HandlerRegistry(BrokerHandlers.Create()), Cluster, _groups, _transactions,
            new UserCredentials(new Dictionary<string, string>()), TimeProvider.System, new RequestControls(), Authorizer, NullLogger.Instance);
    }

    public ClusterController Cluster { get; }
    public Authorizer Authorizer { get; }

    /// <summary>Adds ACLs, failing the test if any is refused.</summary>
    public void Grant(params AclBinding[] acls) => Assert.All(Authorizer.Add(acls), Assert.Null);

    /// <summary>Sends <paramref name="request"/> at <paramref name="version"/> as <paramref name="principal"/> and returns the decoded response.</summary>
    public async Task<T> SendAsync<T>(string principal, IKafkaRequest request, short version) where T : IKafkaResponse
    {
        var outcome = await DispatchAsync(principal, request, version);
        try
        {
            var frame = outcome.Response ?? throw new InvalidOperationException($"No response to {request.ApiKey} v{version}.");
            return RawRequests.Decode<T>(frame.ToArray()[4..], request.ApiKey, version);
        }
        finally
        {
            outcome.Complete();
        }
    }

    /// <summary>
    /// Dispatches <paramref name="request"/> at <paramref name="version"/> as <paramref name="principal"/> on a PLAINTEXT
    /// listener and returns what the connection would send; the caller completes it (<see cref="RequestOutcome.Complete"/>).
    /// </summary>
    public async Task<RequestOutcome> DispatchAsync(string principal, IKafkaRequest request, short version)
    {
        var connection = new ConnectionInfo(_broker, ListenerDefinition.Plaintext, ClientHost, 1) { Principal = KafkaPrincipal.Parse(principal) };
        var outcome = await _dispatcher.ProcessAsync(RawRequests.Encode(request, version), connection, CancellationToken.None)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(outcome.Close, $"The broker closed the connection on {request.ApiKey} v{version}.");
        return outcome;
    }

    public void Dispose()
    {
        _transactions.Dispose();
        _groups.Dispose();
    }
}
