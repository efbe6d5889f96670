using System.Buffers.Binary;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests;

/// <summary>Encodes requests and decodes responses with the generated messages, for tests that talk raw TCP.</summary>
internal static class RawRequests
{
    /// <summary>A request frame body (header and message, no length prefix).</summary>
    public static byte[] Encode(IKafkaRequest request, short version, int correlationId = 1)
    {
        using var output = new PooledBufferWriter();
        var writer = new KafkaWriter(output);
        var header = new RequestHeader
        {
            RequestApiKey = (short)request.ApiKey,
            RequestApiVersion = version,
            CorrelationId = correlationId,
            ClientId = "raw-test",
        };
        header.Write(writer, ApiKeys.RequestHeaderVersion(request.ApiKey, version));
        request.Write(writer, version);
        return output.ToArray();
    }

    /// <summary>An ApiVersions request naming its client software as v3+ requires (KIP-511): valid in every version.</summary>
    public static ApiVersionsRequest ApiVersions() => new() { ClientSoftwareName = "raw-test", ClientSoftwareVersion = "1.0" };

    /// <summary>Just the fixed part of a header: a request for any api key and version with no body.</summary>
    public static byte[] HeaderOnly(short apiKey, short version, int correlationId = 1)
    {
        var bytes = new byte[10];
        BinaryPrimitives.WriteInt16BigEndian(bytes, apiKey);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2), version);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(8), -1); // null client id
        return bytes;
    }

    /// <summary>Decodes a response frame body of <paramref name="apiKey"/> in <paramref name="version"/>; checks the correlation id.</summary>
    public static T Decode<T>(byte[] frame, ApiKey apiKey, short version, int correlationId = 1) where T : IKafkaResponse
    {
        var reader = new KafkaReader(frame);
        Assert.Equal(correlationId, reader.ReadInt32());
        if (ApiKeys.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            for (var count = reader.ReadUnsignedVarInt(); count > 0; count--) reader.ReadTaggedFieldValue(out _);
        }
        var response = (T)ApiKeys.Get(apiKey).ReadResponse(ref reader, version);
        Assert.True(reader.End);
        return response;
    }

    /// <summary>Sends a request and reads its response.</summary>
    public static async Task<T> RoundTripAsync<T>(RawKafkaSocket socket, IKafkaRequest request, short version) where T : IKafkaResponse
    {
        await socket.SendFrameAsync(Encode(request, version));
        var frame = await socket.ReadFrameAsync() ?? throw new InvalidOperationException("The broker closed the connection.");
        return Decode<T>(frame, request.ApiKey, version);
    }
}
