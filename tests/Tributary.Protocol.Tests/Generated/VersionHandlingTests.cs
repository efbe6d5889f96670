using Tributary.Protocol.Messages;
using static Tributary.Protocol.Tests.Generated.MalformedInputTests;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>Writing and reading around version boundaries behaves as Kafka's own generated code does.</summary>
public class VersionHandlingTests
{
    [Fact]
    public void Reading_an_unsupported_version_names_the_message_and_version()
    {
        var exception = Assert.Throws<UnsupportedVersionException>(() => Read<ProduceRequest>([], 99));
        Assert.Equal("ProduceRequest", exception.MessageName);
        Assert.Equal((short)99, exception.Version);
        Assert.Contains("ProduceRequest version 99", exception.Message);
    }

    [Fact]
    public void Writing_an_unsupported_version_throws()
    {
        Assert.Throws<UnsupportedVersionException>(() => GeneratedMessages.Write(new MetadataRequest(), -1));
        Assert.Throws<UnsupportedVersionException>(() => GeneratedMessages.Write(new MetadataRequest(), MetadataRequest.HighestSupportedVersion + 1));
    }

    [Fact]
    public void A_non_default_field_missing_from_the_version_is_an_error_unless_ignorable()
    {
        // ProduceRequest.TransactionalId exists from v3 and is not ignorable.
        var transactional = new ProduceRequest { TransactionalId = "tx" };
        Assert.Throws<UnsupportedVersionException>(() => GeneratedMessages.Write(transactional, 2));
        GeneratedMessages.Write(transactional, 3);

        // FetchResponse.ThrottleTimeMs exists from v1 and is ignorable: silently dropped in v0.
        var throttled = new FetchResponse { ThrottleTimeMs = 100 };
        var read = Read<FetchResponse>(GeneratedMessages.Write(throttled, 0), 0);
        Assert.Equal(0, read.ThrottleTimeMs);
    }

    [Fact]
    public void A_default_field_missing_from_the_version_is_skipped()
    {
        var bytes = GeneratedMessages.Write(new ProduceRequest { Acks = 1, TimeoutMs = 1000 }, 2);
        // acks, timeout, empty topic array: no transactional id in v2.
        Assert.Equal(2 + 4 + 4, bytes.Length);
    }

    [Fact]
    public void Null_is_rejected_where_the_version_does_not_allow_it()
    {
        Assert.Throws<UnsupportedVersionException>(() => GeneratedMessages.Write(new MetadataRequest { Topics = null }, 0));
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 1], GeneratedMessages.Write(new MetadataRequest { Topics = null }, 4));
    }

    [Fact]
    public void Json_defaults_are_applied()
    {
        var request = new MetadataRequest();
        Assert.True(request.AllowAutoTopicCreation);
        var partition = new FetchResponse.PartitionData();
        Assert.Equal(-1, partition.LastStableOffset);
        Assert.Equal(-1, partition.PreferredReadReplica);
        Assert.Null(partition.Records);
        Assert.Equal(int.MinValue, new MetadataResponse.MetadataResponseTopic().TopicAuthorizedOperations);
        Assert.Equal(int.MaxValue, new FetchRequest().MaxBytes);
        Assert.Equal("", new ProduceRequest.TopicProduceData().Name);
        Assert.Null(new ProduceRequest().TransactionalId);
        Assert.Equal(Guid.Empty, new MetadataResponse.MetadataResponseTopic().TopicId);
    }

    [Fact]
    public void Request_header_client_id_is_never_compact()
    {
        var header = new RequestHeader { RequestApiKey = 18, RequestApiVersion = 3, CorrelationId = 7, ClientId = "ab" };
        var bytes = GeneratedMessages.Write(header, 2);
        // api key, api version, correlation id, int16 length + "ab", empty tagged section.
        Assert.Equal([0, 18, 0, 3, 0, 0, 0, 7, 0, 2, (byte)'a', (byte)'b', 0], bytes);
    }

    [Fact]
    public void Uuids_are_big_endian_on_the_wire()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var bytes = GeneratedMessages.Write(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { TopicId = id, Name = null }] }, 10);
        // A compact array length of one byte, then the topic id.
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), bytes[1..17]);
    }
}
