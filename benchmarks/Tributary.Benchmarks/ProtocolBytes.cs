using System.Buffers.Binary;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Benchmarks;

/// <summary>The Kafka bytes the benchmarks send and store, encoded by the repository's codec: record batches and request frames.</summary>
internal static class ProtocolBytes
{
    private const int LengthPrefixSize = 4;

    /// <summary>
    /// An uncompressed record batch of <paramref name="records"/> records without keys, each value <paramref name="valueSize"/>
    /// zero bytes, record i stamped <paramref name="timestampOf"/>(i).
    /// </summary>
    public static byte[] RecordBatch(int records, int valueSize, Func<int, long> timestampOf)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output))
        {
            var value = new byte[valueSize];
            for (var i = 0; i < records; i++) builder.Append(timestampOf(i), (byte[]?)null, value);
            builder.Complete();
        }
        return output.ToArray();
    }

    /// <summary>Writes <paramref name="request"/>'s whole frame (length prefix, header, body) into the empty <paramref name="output"/>.</summary>
    public static void WriteRequestFrame(PooledBufferWriter output, IKafkaRequest request, short version, int correlationId, string clientId)
    {
        output.GetSpan(LengthPrefixSize);
        output.Advance(LengthPrefixSize);
        var writer = new KafkaWriter(output);
        new RequestHeader { RequestApiKey = (short)request.ApiKey, RequestApiVersion = version, CorrelationId = correlationId, ClientId = clientId }
            .Write(writer, ApiKeys.RequestHeaderVersion(request.ApiKey, version));
        request.Write(writer, version);
        BinaryPrimitives.WriteInt32BigEndian(output.WrittenSpanMutable, output.WrittenCount - LengthPrefixSize);
    }

    /// <summary><paramref name="request"/>'s whole frame (length prefix, header, body).</summary>
    public static byte[] RequestFrame(IKafkaRequest request, short version, int correlationId, string clientId)
    {
        using var output = new PooledBufferWriter();
        WriteRequestFrame(output, request, version, correlationId, clientId);
        return output.ToArray();
    }
}
