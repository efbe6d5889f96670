using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>Hostile or broken bytes must end in a <see cref="KafkaProtocolException"/>, never a crash or a huge allocation.</summary>
public class MalformedInputTests
{
    public static IEnumerable<object[]> AllVersions() => GeneratedMessages.AllVersions();

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Every_truncation_of_a_valid_encoding_throws_a_protocol_exception(string messageName, short version)
    {
        var type = GeneratedMessages.ByName(messageName);
        var message = new RandomMessageFactory(42, version, GeneratedMessages.IsFlexible(type, version), MessageShape.Typical).Create(type);
        var bytes = GeneratedMessages.Write(message, version);
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            var exception = Record.Exception(() => GeneratedMessages.Read(type, prefix, version, out _));
            Assert.True(exception is KafkaProtocolException,
                $"{messageName} v{version} cut to {length} of {bytes.Length} bytes: {exception?.GetType().Name ?? "no exception"}");
        }
    }

    [Fact]
    public void A_huge_array_count_is_rejected_before_allocating()
    {
        // MetadataRequest v4: topics array count int.MaxValue, then a few bytes.
        var bytes = Encode(w =>
        {
            w.WriteArrayLength(int.MaxValue);
            w.WriteRaw([0, 1, 2, 3, 4, 5]);
        });
        Assert.Throws<InvalidLengthException>(() => Read<MetadataRequest>(bytes, 4));
    }

    [Fact]
    public void A_huge_compact_array_count_is_rejected_before_allocating()
    {
        // ProduceRequest v9: null transactional id, acks, timeout, then a topic count near uint.MaxValue.
        var bytes = Encode(w =>
        {
            w.WriteCompactNullableString(null);
            w.WriteInt16(-1);
            w.WriteInt32(30_000);
            w.WriteUnsignedVarInt(uint.MaxValue);
            w.WriteRaw([0, 0, 0]);
        });
        Assert.Throws<InvalidLengthException>(() => Read<ProduceRequest>(bytes, 9));
    }

    [Fact]
    public void An_array_count_that_only_fits_with_too_small_elements_is_rejected()
    {
        // Each MetadataRequestTopic in v4 needs at least 2 bytes (an int16 name length): 6 bytes cannot hold 4 of them.
        var bytes = Encode(w =>
        {
            w.WriteArrayLength(4);
            w.WriteRaw([0, 0, 0, 0, 0, 0]);
        });
        Assert.Throws<InvalidLengthException>(() => Read<MetadataRequest>(bytes, 4));
    }

    [Fact]
    public void A_null_array_where_not_nullable_is_rejected()
    {
        // MetadataRequest v0 topics are not nullable (null only means "all topics" from v1).
        var bytes = Encode(w => w.WriteArrayLength(-1));
        Assert.Throws<InvalidLengthException>(() => Read<MetadataRequest>(bytes, 0));
        Assert.Null(Read<MetadataRequest>(Encode(w =>
        {
            w.WriteArrayLength(-1);
        }), 1).Topics);
    }

    [Fact]
    public void An_overlong_varint_is_rejected()
    {
        var bytes = Encode(w => w.WriteRaw([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));
        Assert.Throws<VarIntOverflowException>(() => Read<ApiVersionsRequest>(bytes, 3));
    }

    [Fact]
    public void A_tagged_field_longer_than_the_buffer_is_rejected()
    {
        var bytes = Encode(w =>
        {
            w.WriteCompactNullableString("client");
            w.WriteCompactNullableString("1.0");
            w.WriteUnsignedVarInt(1);
            w.WriteUnsignedVarInt(7);
            w.WriteUnsignedVarInt(1000);
            w.WriteRaw([1, 2, 3]);
        });
        Assert.Throws<TruncatedDataException>(() => Read<ApiVersionsRequest>(bytes, 3));
    }

    internal static byte[] Encode(Action<KafkaWriter> write)
    {
        using var buffer = new PooledBufferWriter();
        write(new KafkaWriter(buffer));
        return buffer.ToArray();
    }

    internal static T Read<T>(byte[] bytes, short version) where T : IKafkaMessage =>
        (T)GeneratedMessages.Read(typeof(T), bytes, version, out _);
}
