using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>
/// Decodes request frames captured from real clients (committed under Fixtures/, see <see cref="FixtureFiles"/>)
/// and checks the values the clients were configured to send. Runs without the clients installed.
/// </summary>
public class ClientFixtureTests
{
    private const string Topic = "fixture-topic";

    public static IEnumerable<object[]> AllFixtures() =>
        from client in new[] { ConfluentKafkaInteropTests.FixtureClient, KafkaPythonInteropTests.FixtureClient }
        from fixture in FixtureFiles.Load(client)
        select new object[] { client, fixture.File };

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_captured_frame_decodes_completely_and_re_encodes_to_the_same_bytes(string client, string file)
    {
        var frame = FixtureFiles.Load(client).Single(f => f.File == file).Frame;
        var decoded = RequestFrame.Decode(frame);
        Assert.Equal(frame.Length, decoded.ConsumedBytes);
        Assert.Equal(frame, decoded.Encode());
    }

    [Fact]
    public void Confluent_kafka_requests_carry_the_configured_values()
    {
        var requests = Decode(ConfluentKafkaInteropTests.FixtureClient);
        Assert.All(requests, r => Assert.Equal(ConfluentKafkaInteropTests.ClientId, r.Header.ClientId));

        var apiVersions = requests[0];
        Assert.Equal((ApiKey.ApiVersions, (short)3), (apiVersions.ApiKey, apiVersions.ApiVersion));
        var apiVersionsBody = Assert.IsType<ApiVersionsRequest>(apiVersions.Body);
        Assert.Equal("confluent-kafka-dotnet", apiVersionsBody.ClientSoftwareName);
        Assert.Equal("2.16.0", apiVersionsBody.ClientSoftwareVersion);

        var metadata = requests.Where(r => r.ApiKey == ApiKey.Metadata).Select(r => (MetadataRequest)r.Body).ToList();
        Assert.All(requests.Where(r => r.ApiKey == ApiKey.Metadata), r => Assert.Equal(12, r.ApiVersion));
        Assert.Empty(metadata[0].Topics!); // the first request only asks for brokers
        var topic = Assert.Single(metadata.Last().Topics!);
        Assert.Equal(Topic, topic.Name);
        Assert.Equal(Guid.Empty, topic.TopicId);
        Assert.True(metadata.Last().AllowAutoTopicCreation);

        var produce = requests.Single(r => r.ApiKey == ApiKey.Produce);
        Assert.Equal(10, produce.ApiVersion);
        var produceBody = Assert.IsType<ProduceRequest>(produce.Body);
        Assert.Null(produceBody.TransactionalId);
        Assert.Equal(-1, produceBody.Acks);
        Assert.Equal(30_000, produceBody.TimeoutMs);
        AssertOneRecordBatchFor(produceBody);
    }

    [Fact]
    public void Kafka_python_requests_carry_the_configured_values()
    {
        var requests = Decode(KafkaPythonInteropTests.FixtureClient);
        Assert.All(requests, r => Assert.Equal(KafkaPythonInteropTests.ClientId, r.Header.ClientId));
        Assert.Equal((ApiKey.ApiVersions, (short)0), (requests[0].ApiKey, requests[0].ApiVersion));

        // kafka-python probes with Metadata v0 (no topics = all topics), then uses v1: null for all topics, then the topic.
        var metadata = requests.Where(r => r.ApiKey == ApiKey.Metadata).ToList();
        Assert.Equal([0, 1, 1], metadata.Select(r => (int)r.ApiVersion));
        Assert.Empty(((MetadataRequest)metadata[0].Body).Topics!);
        Assert.Null(((MetadataRequest)metadata[1].Body).Topics);
        Assert.Equal(Topic, Assert.Single(((MetadataRequest)metadata[2].Body).Topics!).Name);

        var produce = requests.Single(r => r.ApiKey == ApiKey.Produce);
        Assert.Equal(7, produce.ApiVersion);
        var produceBody = Assert.IsType<ProduceRequest>(produce.Body);
        Assert.Equal(1, produceBody.Acks);
        Assert.Equal(20_000, produceBody.TimeoutMs);
        AssertOneRecordBatchFor(produceBody);
    }

    private static List<RequestFrame> Decode(string client) => FixtureFiles.Load(client).Select(f => RequestFrame.Decode(f.Frame)).ToList();

    /// <summary>One partition (0) of the topic carries one record batch v2 holding one record.</summary>
    private static void AssertOneRecordBatchFor(ProduceRequest request)
    {
        var topic = Assert.Single(request.TopicData);
        Assert.Equal(Topic, topic.Name);
        var partition = Assert.Single(topic.PartitionData);
        Assert.Equal(0, partition.Index);
        var batch = partition.Records!.Value.Span;
        const int MagicOffset = 16, RecordCountOffset = 57;
        Assert.Equal(2, batch[MagicOffset]);
        Assert.Equal(1, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountOffset..]));
        Assert.Equal(batch.Length - 12, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(batch[8..]));
    }
}
