using System.Buffers.Binary;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>A request frame (without its size prefix) decoded with the generated header and body types.</summary>
internal sealed record RequestFrame(RequestHeader Header, IKafkaRequest Body, int ConsumedBytes)
{
    public ApiKey ApiKey => (ApiKey)Header.RequestApiKey;

    public short ApiVersion => Header.RequestApiVersion;

    /// <summary>Reads the header in the version the API version implies, then the body with the API's reader.</summary>
    public static RequestFrame Decode(byte[] frame)
    {
        var apiKey = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(2));
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader, ApiKeys.RequestHeaderVersion(apiKey, apiVersion));
        var body = ApiKeys.Get(apiKey).ReadRequest(ref reader, apiVersion);
        return new RequestFrame(header, body, reader.Position);
    }

    /// <summary>Writes the header and body again, as the frame would be re-encoded by this codec.</summary>
    public byte[] Encode()
    {
        using var buffer = new PooledBufferWriter();
        var writer = new KafkaWriter(buffer);
        Header.Write(writer, ApiKeys.RequestHeaderVersion(ApiKey, ApiVersion));
        Body.Write(writer, ApiVersion);
        return buffer.ToArray();
    }
}
