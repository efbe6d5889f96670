using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>A request as it arrived from a client: the raw frame (without size prefix) and its decoded form.</summary>
internal sealed record CapturedRequest(byte[] Frame, RequestFrame Decoded);

/// <summary>
/// The smallest broker that real clients accept for producing: it answers ApiVersions, Metadata and Produce
/// with responses built by the generated types, and records every request frame it receives.
/// It is a test double for the generated codec, not the project's broker.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    public const int NodeId = 1;
    public const string ClusterId = "tributary-fixture-cluster";

    /// <summary>
    /// What the broker advertises. Fetch is never served, but librdkafka only uses record batch v2 (MsgVer2)
    /// when the broker advertises Produce 3+ and Fetch 4+, so it is listed for the producer to behave normally.
    /// </summary>
    private static readonly ApiKey[] Advertised = [ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.ApiVersions];

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<CapturedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Guid> _topicIds = new();
    private readonly Task _acceptLoop;
    private long _nextOffset;

    public FakeBroker()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>An IPv4 address: librdkafka may resolve "localhost" to ::1.</summary>
    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>Every request received, in arrival order (connections interleaved).</summary>
    public IReadOnlyList<CapturedRequest> Requests => _requests.ToArray();

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                connections.Add(ServeAsync(client, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using var _ = client;
        var stream = client.GetStream();
        var sizeBuffer = new byte[4];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(sizeBuffer, cancellationToken);
                var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBuffer)];
                await stream.ReadExactlyAsync(frame, cancellationToken);
                var response = Handle(frame);
                if (response is not null) await stream.WriteAsync(response, cancellationToken);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OperationCanceledException or SocketException)
        {
            // The client closed the connection, or the broker is stopping.
        }
    }

    private byte[]? Handle(byte[] frame)
    {
        var request = RequestFrame.Decode(frame);
        _requests.Enqueue(new CapturedRequest(frame, request));
        if (request.Body is ProduceRequest { Acks: 0 }) return null; // acks=0: the client expects no response
        var (response, responseVersion) = request.Body switch
        {
            ApiVersionsRequest => ApiVersions(request.ApiVersion),
            MetadataRequest metadata => (Metadata(metadata), request.ApiVersion),
            ProduceRequest produce => (Produce(produce), request.ApiVersion),
            _ => throw new InvalidOperationException($"The fake broker does not serve {request.ApiKey}."),
        };
        return Frame(request.Header.CorrelationId, request.ApiKey, responseVersion, response);
    }

    /// <summary>Answers in the client's version, or in v0 with UNSUPPORTED_VERSION when it is too new, as Kafka does.</summary>
    private static (IKafkaResponse, short) ApiVersions(short version)
    {
        var response = new ApiVersionsResponse
        {
            ApiKeys = Advertised.Select(ApiKeys.Get)
                .Select(info => new ApiVersionsResponse.ApiVersion { ApiKey = (short)info.Key, MinVersion = info.MinVersion, MaxVersion = info.MaxVersion })
                .ToList(),
        };
        if (version <= ApiVersionsResponse.HighestSupportedVersion) return (response, version);
        response.ErrorCode = (short)ErrorCode.UnsupportedVersion;
        return (response, 0);
    }

    /// <summary>Every topic asked for exists with one partition led by this broker; no topic list means the ones seen so far.</summary>
    private MetadataResponse Metadata(MetadataRequest request)
    {
        var names = request.Topics?.Select(t => t.Name).OfType<string>().ToList() ?? _topicIds.Keys.Order().ToList();
        return new MetadataResponse
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = NodeId, Host = "127.0.0.1", Port = Port }],
            ClusterId = ClusterId,
            ControllerId = NodeId,
            Topics = names.Select(name => new MetadataResponse.MetadataResponseTopic
            {
                Name = name,
                TopicId = _topicIds.GetOrAdd(name, _ => Guid.NewGuid()),
                Partitions =
                [
                    new MetadataResponse.MetadataResponsePartition { PartitionIndex = 0, LeaderId = NodeId, LeaderEpoch = 0, ReplicaNodes = [NodeId], IsrNodes = [NodeId] },
                ],
            }).ToList(),
        };
    }

    private ProduceResponse Produce(ProduceRequest request) => new()
    {
        Responses = request.TopicData.Select(topic => new ProduceResponse.TopicProduceResponse
        {
            Name = topic.Name,
            PartitionResponses = topic.PartitionData.Select(partition => new ProduceResponse.PartitionProduceResponse
            {
                Index = partition.Index,
                BaseOffset = Interlocked.Increment(ref _nextOffset) - 1,
                LogStartOffset = 0,
            }).ToList(),
        }).ToList(),
    };

    private static byte[] Frame(int correlationId, ApiKey apiKey, short version, IKafkaResponse response)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new KafkaWriter(buffer);
        writer.WriteInt32(0);
        new ResponseHeader { CorrelationId = correlationId }.Write(writer, ApiKeys.ResponseHeaderVersion(apiKey, version));
        response.Write(writer, version);
        BinaryPrimitives.WriteInt32BigEndian(buffer.WrittenSpanMutable, buffer.WrittenCount - 4);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
