using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Records;

/// <summary>
/// Just enough of a Kafka broker for a real client to produce to it: answers ApiVersions, Metadata (one broker,
/// one partition per topic) and Produce, and keeps the records field of every produce request. Any other request
/// closes the connection. Only for capturing what clients write.
/// </summary>
public sealed class FakeProduceBroker : IAsyncDisposable
{
    private const int NodeId = 1;

    // What a client needs to see to enable message format v2 and every codec (PROTOCOL-NOTES.md):
    // Produce 0 and 7, Fetch 10 for zstd; librdkafka also enables lz4 only if FindCoordinator 0 is advertised
    // (found here: without it, it silently sends lz4 batches uncompressed). FindCoordinator is never called by
    // a plain producer. No topic-id versions of Produce, so topic ids never matter.
    private static readonly (ApiKey Key, short Min, short Max)[] AdvertisedApis =
    [
        (ApiKey.Produce, 0, 10),
        (ApiKey.FindCoordinator, 0, 2),
        (ApiKey.Fetch, 0, 12),
        (ApiKey.Metadata, 0, 12),
        (ApiKey.ApiVersions, 0, 3),
    ];

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[]> _producedRecords = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    public FakeProduceBroker()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The records field of every partition of every produce request received, in arrival order.</summary>
    public IReadOnlyCollection<byte[]> ProducedRecords => _producedRecords;

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                lock (_connections) _connections.Add(ServeAsync(client, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
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
                if (response is null) return;
                if (response.Length > 0) await stream.WriteAsync(response, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or OperationCanceledException)
        {
            // The client hung up or the broker stopped.
        }
    }

    /// <summary>Returns the framed response, an empty array for none (acks=0), or null to close the connection.</summary>
    private byte[]? Handle(byte[] frame)
    {
        var apiKey = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(2));
        if (apiKey == ApiKey.ApiVersions && version > AdvertisedApis.Single(api => api.Key == apiKey).Max)
        {
            // Kafka answers a too-new ApiVersions request in version 0 with UNSUPPORTED_VERSION and its ranges.
            var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));
            var refusal = ApiVersions();
            refusal.ErrorCode = (short)ErrorCode.UnsupportedVersion;
            return Frame(correlationId, apiKey, 0, refusal);
        }
        if (!AdvertisedApis.Any(api => api.Key == apiKey && version >= api.Min && version <= api.Max)) return null;

        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader, ApiKeys.RequestHeaderVersion(apiKey, version));
        IKafkaMessage? response = apiKey switch
        {
            ApiKey.ApiVersions => ApiVersions(),
            ApiKey.Metadata => Metadata(MetadataRequest.Read(ref reader, version)),
            ApiKey.Produce => Produce(ProduceRequest.Read(ref reader, version)),
            _ => throw new InvalidOperationException($"Unexpected {apiKey}"),
        };
        return response is null ? [] : Frame(header.CorrelationId, apiKey, version, response);
    }

    private static ApiVersionsResponse ApiVersions() => new()
    {
        ApiKeys = AdvertisedApis
            .Select(api => new ApiVersionsResponse.ApiVersion { ApiKey = (short)api.Key, MinVersion = api.Min, MaxVersion = api.Max })
            .ToList(),
    };

    private MetadataResponse Metadata(MetadataRequest request) => new()
    {
        Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = NodeId, Host = "127.0.0.1", Port = Port }],
        ClusterId = "fake-produce-broker",
        ControllerId = NodeId,
        Topics = (request.Topics ?? []).Select(topic => new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = Guid.NewGuid(),
            Partitions =
            [
                new MetadataResponse.MetadataResponsePartition
                {
                    PartitionIndex = 0, LeaderId = NodeId, LeaderEpoch = 0, ReplicaNodes = [NodeId], IsrNodes = [NodeId],
                },
            ],
        }).ToList(),
    };

    private ProduceResponse? Produce(ProduceRequest request)
    {
        var response = new ProduceResponse();
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topic.Name };
            foreach (var partition in topic.PartitionData)
            {
                if (partition.Records is { } records) _producedRecords.Enqueue(records.ToArray());
                topicResponse.PartitionResponses.Add(new ProduceResponse.PartitionProduceResponse { Index = partition.Index, BaseOffset = 0 });
            }
            response.Responses.Add(topicResponse);
        }
        return request.Acks == 0 ? null : response;
    }

    private static byte[] Frame(int correlationId, ApiKey apiKey, short version, IKafkaMessage response)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new KafkaWriter(buffer);
        writer.WriteInt32(0); // size, patched below
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
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
