using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>
/// A records field written by reference (<see cref="PooledBufferWriter.WriteOrReference"/>) puts the same bytes on the
/// wire as one copied into the buffer: only where they come from differs.
/// </summary>
public class ReferencedRecordsTests
{
    public static IEnumerable<object[]> FetchResponseVersions() =>
        Enumerable.Range(FetchResponse.LowestSupportedVersion, FetchResponse.HighestSupportedVersion - FetchResponse.LowestSupportedVersion + 1)
            .Select(v => new object[] { (short)v });

    [Theory]
    [MemberData(nameof(FetchResponseVersions))]
    public void A_fetch_response_written_with_its_large_record_sets_referenced_is_byte_for_byte_the_copied_one(short version)
    {
        var response = Response(null, ReadOnlyMemory<byte>.Empty, Records(100, 1), Records(5_000, 2), Records(5_000, 3), Records(70_000, 4));

        var copied = GeneratedMessages.Write(response, version);
        using var output = new PooledBufferWriter { ReferenceThreshold = 5_000 };
        response.Write(new KafkaWriter(output), version);

        Assert.Equal(7, output.Segments.Count); // the three record sets of 5,000 bytes and more
        Assert.Equal(copied, output.ToArray());
    }

    [Fact]
    public void A_produce_request_written_with_its_records_referenced_is_byte_for_byte_the_copied_one()
    {
        var request = new ProduceRequest
        {
            Acks = -1,
            TopicData = [new ProduceRequest.TopicProduceData { Name = "t", PartitionData = [new() { Index = 0, Records = Records(10_000, 5) }] }],
        };
        foreach (var version in new short[] { 3, 9 })
        {
            using var output = new PooledBufferWriter { ReferenceThreshold = 1 };
            request.Write(new KafkaWriter(output), version);
            Assert.Equal(GeneratedMessages.Write(request, version), output.ToArray());
        }
    }

    private static FetchResponse Response(params ReadOnlyMemory<byte>?[] records) => new()
    {
        Responses =
        [
            new FetchResponse.FetchableTopicResponse
            {
                Topic = "topic",
                TopicId = Guid.NewGuid(),
                Partitions = records.Select((r, i) => new FetchResponse.PartitionData { PartitionIndex = i, HighWatermark = 10 + i, Records = r }).ToList(),
            },
        ],
    };

    private static ReadOnlyMemory<byte> Records(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
