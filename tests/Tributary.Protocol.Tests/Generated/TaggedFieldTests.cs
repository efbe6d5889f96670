using Tributary.Protocol.Messages;
using static Tributary.Protocol.Tests.Generated.MalformedInputTests;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>Tagged fields: unknown ones survive a read and write untouched, known ones are written only when not default.</summary>
public class TaggedFieldTests
{
    [Fact]
    public void Unknown_tags_are_skipped_kept_and_written_back_unchanged()
    {
        var bytes = Encode(w =>
        {
            w.WriteCompactNullableString("client");
            w.WriteCompactNullableString("1.0");
            w.WriteUnsignedVarInt(2);
            w.WriteTaggedField(5, [1, 2, 3]);
            w.WriteTaggedField(9, []);
        });
        var request = Read<ApiVersionsRequest>(bytes, 3);
        Assert.Equal("client", request.ClientSoftwareName);
        Assert.Equal("1.0", request.ClientSoftwareVersion);
        Assert.Equal([5, 9], request.UnknownTaggedFields!.Select(f => f.Tag));
        Assert.Equal([1, 2, 3], request.UnknownTaggedFields![0].Data);
        Assert.Equal(bytes, GeneratedMessages.Write(request, 3));
    }

    [Fact]
    public void Unknown_tags_are_merged_with_known_ones_in_tag_order()
    {
        var response = new ApiVersionsResponse
        {
            FinalizedFeaturesEpoch = 7,
            UnknownTaggedFields = [new TaggedField(4, [0xAA]), new TaggedField(40, [0xBB, 0xCC])],
        };
        var bytes = GeneratedMessages.Write(response, 3);
        var tags = TagsOfTopLevelSection(bytes, fixedPrefix: 2 + 1 + 4);
        Assert.Equal([1, 4, 40], tags);
        Assert.Equal(response, Read<ApiVersionsResponse>(bytes, 3));
    }

    [Fact]
    public void Known_tagged_fields_at_their_default_are_not_written()
    {
        var bytes = GeneratedMessages.Write(new ApiVersionsResponse(), 3);
        // error code, empty compact array, throttle time, then an empty tagged section.
        Assert.Equal([0, 0, 1, 0, 0, 0, 0, 0], bytes);
    }

    [Fact]
    public void A_known_tag_read_in_a_version_where_it_is_not_defined_is_kept_as_unknown()
    {
        // FetchRequest tag 1 (ReplicaState) exists from v15; in v12 it is just an unknown tag.
        var request = new FetchRequest { UnknownTaggedFields = [new TaggedField(1, [9, 9])] };
        var bytes = GeneratedMessages.Write(request, 12);
        var read = Read<FetchRequest>(bytes, 12);
        Assert.Equal(1, Assert.Single(read.UnknownTaggedFields!).Tag);
        Assert.Equal(new FetchRequest().ReplicaState, read.ReplicaState);
        Assert.Equal(bytes, GeneratedMessages.Write(read, 12));
    }

    [Fact]
    public void Tagged_struct_fields_round_trip_when_set()
    {
        var partition = new FetchResponse.PartitionData
        {
            PartitionIndex = 3,
            CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = 2, LeaderEpoch = 5 },
        };
        var response = new FetchResponse { Responses = [new FetchResponse.FetchableTopicResponse { TopicId = Guid.NewGuid(), Partitions = [partition] }] };
        var read = Read<FetchResponse>(GeneratedMessages.Write(response, 16), 16);
        var readPartition = read.Responses[0].Partitions[0];
        Assert.Equal(2, readPartition.CurrentLeader.LeaderId);
        Assert.Equal(5, readPartition.CurrentLeader.LeaderEpoch);
        Assert.Equal(-1, readPartition.SnapshotId.EndOffset);
    }

    /// <summary>Reads the tags of a tagged-field section that starts after <paramref name="fixedPrefix"/> bytes and an empty compact array.</summary>
    private static List<int> TagsOfTopLevelSection(byte[] bytes, int fixedPrefix)
    {
        var reader = new KafkaReader(bytes);
        reader.ReadInt16();
        reader.ReadCompactArrayLength();
        reader.ReadInt32();
        Assert.Equal(fixedPrefix, reader.Position);
        var count = reader.ReadUnsignedVarInt();
        var tags = new List<int>();
        for (var i = 0; i < count; i++)
        {
            reader.ReadTaggedFieldValue(out var tag);
            tags.Add(tag);
        }
        return tags;
    }
}
