using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Broker.Handlers;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Groups.Handlers;

/// <summary>
/// Sends requests to the group handlers the way a client would: encoded and decoded at the request's
/// version on the way in, and the response encoded and decoded at that version on the way out.
/// </summary>
internal sealed class GroupHandlerHarness : IDisposable
{
    public const string Topic = "topic";
    private readonly BrokerNode _broker = new(1, "127.0.0.1") { IsAlive = true };
    private GroupTestKit? _kit;

    public GroupHandlerHarness()
    {
        Cluster = new ClusterController(ClusterSettings.From(new EmbeddedKafkaOptions()), [_broker], NullLogger.Instance);
        Cluster.CreateTopic(new TopicSpec(Topic, Partitions: 2, ReplicationFactor: 1));
    }

    private static readonly HandlerRegistry Handlers = new(BrokerHandlers.Create());

    public GroupTestKit Kit => _kit ??= new GroupTestKit(topics: () => Cluster.Topics.Select(t => new TopicMetadata(t.Id, t.Name, t.Partitions.Count)).ToList());
    public ClusterController Cluster { get; }

    public async Task<TResponse> SendAsync<TResponse>(IKafkaRequest request, short version, string clientId = "client")
        where TResponse : IKafkaResponse
    {
        var api = ApiKeys.Get(request.ApiKey);
        var received = Decode(api.ReadRequest, Encode(request, version), version);
        Assert.True(Handlers.TryGet((short)request.ApiKey, out var handler));
        Assert.InRange(version, handler.MinVersion, handler.MaxVersion);
        var context = new RequestContext
        {
            Broker = _broker,
            Cluster = Cluster,
            Groups = Kit.Coordinator,
            Transactions = null!, // the group APIs never reach the transaction coordinator
            Users = null!, // nor the users
            Handlers = Handlers,
            ApiVersion = version,
            CorrelationId = 1,
            ClientId = clientId,
            ClientHost = "127.0.0.1",
            Time = Kit.Clock,
        };
        var response = await handler.HandleAsync(context, received, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return (TResponse)Decode(api.ReadResponse, Encode(response!, version), version);
    }

    private static byte[] Encode(IKafkaMessage message, short version)
    {
        using var buffer = new PooledBufferWriter();
        message.Write(new KafkaWriter(buffer), version);
        return buffer.ToArray();
    }

    private static IKafkaRequest Decode(RequestReader read, byte[] bytes, short version)
    {
        var reader = new KafkaReader(bytes);
        return read(ref reader, version);
    }

    private static IKafkaResponse Decode(ResponseReader read, byte[] bytes, short version)
    {
        var reader = new KafkaReader(bytes);
        return read(ref reader, version);
    }

    public void Dispose() => Kit.Dispose();
}
