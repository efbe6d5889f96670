using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

public class ApiKeysTests
{
    [Fact]
    public void The_table_lists_each_api_with_its_generated_types_and_versions()
    {
        Assert.Equal(ApiKeys.All.OrderBy(i => i.Key), ApiKeys.All);
        foreach (var info in ApiKeys.All)
        {
            Assert.Equal(info.Key + "Request", info.RequestType.Name);
            Assert.Equal(info.Key + "Response", info.ResponseType.Name);
            Assert.Equal(info.MinVersion, GeneratedMessages.LowestVersion(info.RequestType));
            Assert.Equal(info.MaxVersion, GeneratedMessages.HighestVersion(info.RequestType));
            Assert.Equal(info.MaxVersion, GeneratedMessages.HighestVersion(info.ResponseType));
            Assert.Same(info, ApiKeys.Get(info.Key));
            Assert.True(ApiKeys.TryGet((short)info.Key, out var byWireKey));
            Assert.Same(info, byWireKey);
        }
    }

    [Fact]
    public void Known_api_ranges_match_kafka()
    {
        Assert.Equal((0, 11, 9), Range(ApiKey.Produce));
        Assert.Equal((0, 17, 12), Range(ApiKey.Fetch));
        Assert.Equal((0, 12, 9), Range(ApiKey.Metadata));
        Assert.Equal((0, 4, 3), Range(ApiKey.ApiVersions));
        Assert.Equal((0, 1, -1), Range(ApiKey.SaslHandshake));
        // Unreleased newest versions are left out.
        Assert.Equal((0, 4, 3), Range(ApiKey.EndTxn));
        // Marked unstable in the definitions but released by Kafka 4.0 (KIP-848 GA): v1 is generated.
        Assert.Equal((0, 1, 0), Range(ApiKey.ConsumerGroupHeartbeat));
        // ShareFetch is defined only in an unreleased version: named, but not implemented.
        Assert.Equal(78, (short)ApiKey.ShareFetch);
        Assert.False(ApiKeys.TryGet((short)ApiKey.ShareFetch, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiKeys.Get(ApiKey.ShareFetch));
        Assert.False(ApiKeys.TryGet(-1, out _));
        Assert.False(ApiKeys.TryGet(short.MaxValue, out _));
    }

    [Fact]
    public void Header_versions_follow_flexibility_with_kafkas_exceptions()
    {
        Assert.Equal(0, ApiKeys.RequestHeaderVersion(ApiKey.ControlledShutdown, 0));
        Assert.Equal(1, ApiKeys.RequestHeaderVersion(ApiKey.ControlledShutdown, 1));
        Assert.Equal(1, ApiKeys.RequestHeaderVersion(ApiKey.Metadata, 8));
        Assert.Equal(2, ApiKeys.RequestHeaderVersion(ApiKey.Metadata, 9));
        Assert.Equal(0, ApiKeys.ResponseHeaderVersion(ApiKey.Metadata, 8));
        Assert.Equal(1, ApiKeys.ResponseHeaderVersion(ApiKey.Metadata, 9));
        Assert.Equal(2, ApiKeys.RequestHeaderVersion(ApiKey.ApiVersions, 3));
        Assert.Equal(0, ApiKeys.ResponseHeaderVersion(ApiKey.ApiVersions, 3));
    }

    [Fact]
    public void The_readers_decode_their_api()
    {
        var bytes = GeneratedMessages.Write(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "t" }] }, 12);
        var reader = new KafkaReader(bytes);
        var request = Assert.IsType<MetadataRequest>(ApiKeys.Get(ApiKey.Metadata).ReadRequest(ref reader, 12));
        Assert.Equal(ApiKey.Metadata, request.ApiKey);
        Assert.Equal("t", request.Topics![0].Name);
    }

    private static (int Min, int Max, int FirstFlexible) Range(ApiKey key)
    {
        var info = ApiKeys.Get(key);
        return (info.MinVersion, info.MaxVersion, info.FirstFlexibleVersion);
    }
}
