using System.Buffers.Binary;
using System.Text;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Messages.Internal;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>
/// The records of Kafka's internal topics, against bytes laid out by hand from Kafka's definitions (a 2-byte version,
/// then the struct: int16-length strings, int32-length bytes and arrays in the non-flexible versions Kafka writes).
/// </summary>
public class InternalRecordTests
{
    [Fact]
    public void An_offset_commit_key_v1_is_its_version_then_group_topic_and_partition()
    {
        byte[] expected = [.. Int16(1), .. String("g1"), .. String("orders"), .. Int32(7)];
        var key = new OffsetCommitKey { Group = "g1", Topic = "orders", Partition = 7 };

        Assert.Equal(expected, InternalRecord.Encode(key, InternalRecord.OffsetCommitKeyVersion));
        Assert.Equal(key, Read(expected, OffsetCommitKey.Read));
    }

    [Fact]
    public void An_offset_commit_value_v3_carries_the_offset_leader_epoch_metadata_and_commit_time()
    {
        byte[] expected = [.. Int16(3), .. Int64(42), .. Int32(5), .. String("meta"), .. Int64(1_700_000_000_000)];
        var value = new OffsetCommitValue { Offset = 42, LeaderEpoch = 5, Metadata = "meta", CommitTimestamp = 1_700_000_000_000 };

        Assert.Equal(expected, InternalRecord.Encode(value, 3));
        Assert.Equal(value, Read(expected, OffsetCommitValue.Read));
    }

    [Fact]
    public void An_offset_commit_value_v1_has_the_expire_timestamp_and_no_leader_epoch()
    {
        byte[] bytes = [.. Int16(1), .. Int64(9), .. String(""), .. Int64(1000), .. Int64(2000)];

        var value = Read(bytes, OffsetCommitValue.Read);

        Assert.Equal((9L, -1, "", 1000L, 2000L), (value.Offset, value.LeaderEpoch, value.Metadata, value.CommitTimestamp, value.ExpireTimestamp));
    }

    [Fact]
    public void A_group_metadata_value_v3_lists_each_member_with_instance_id_timeouts_subscription_and_assignment()
    {
        byte[] expected =
        [
            .. Int16(3), .. String("consumer"), .. Int32(4), .. String("range"), .. String("m-1"), .. Int64(1234),
            .. Int32(1),
            .. String("m-1"), .. String("static-1"), .. String("client"), .. String("/127.0.0.1"), .. Int32(300_000), .. Int32(45_000),
            .. Int32(2), 0xAA, 0xBB, .. Int32(1), 0xCC,
        ];
        var value = new GroupMetadataValue
        {
            ProtocolType = "consumer", Generation = 4, Protocol = "range", Leader = "m-1", CurrentStateTimestamp = 1234,
            Members =
            [
                new GroupMetadataValue.MemberMetadata
                {
                    MemberId = "m-1", GroupInstanceId = "static-1", ClientId = "client", ClientHost = "/127.0.0.1",
                    RebalanceTimeout = 300_000, SessionTimeout = 45_000, Subscription = [0xAA, 0xBB], Assignment = [0xCC],
                },
            ],
        };

        Assert.Equal(expected, InternalRecord.Encode(value, 3));
        Assert.Equal(value, Read(expected, GroupMetadataValue.Read));
    }

    [Fact]
    public void A_group_metadata_key_has_version_2_and_the_group()
    {
        Assert.Equal([.. Int16(2), .. String("g")], InternalRecord.Encode(new GroupMetadataKey { Group = "g" }, InternalRecord.GroupMetadataKeyVersion));
    }

    [Fact]
    public void A_transaction_log_value_v0_carries_state_partitions_and_times()
    {
        byte[] expected =
        [
            .. Int16(0), .. Int64(1001), .. Int16(3), .. Int32(60_000), 1,
            .. Int32(1), .. String("t"), .. Int32(2), .. Int32(0), .. Int32(2),
            .. Int64(2000), .. Int64(1000),
        ];
        var value = new TransactionLogValue
        {
            ProducerId = 1001, ProducerEpoch = 3, TransactionTimeoutMs = 60_000, TransactionStatus = 1,
            TransactionPartitions = [new TransactionLogValue.PartitionsSchema { Topic = "t", PartitionIds = [0, 2] }],
            TransactionLastUpdateTimestampMs = 2000, TransactionStartTimestampMs = 1000,
        };

        Assert.Equal(expected, InternalRecord.Encode(value, 0));
        Assert.Equal(value, Read(expected, TransactionLogValue.Read));
    }

    [Fact]
    public void A_transaction_log_value_v1_is_flexible_with_its_producer_ids_as_tagged_fields()
    {
        var value = new TransactionLogValue
        {
            ProducerId = 7, PreviousProducerId = 6, ProducerEpoch = 0, TransactionTimeoutMs = 1000, TransactionStatus = 0,
            TransactionPartitions = [], TransactionLastUpdateTimestampMs = 5, TransactionStartTimestampMs = -1,
        };
        byte[] expected =
        [
            .. Int16(1), .. Int64(7), .. Int16(0), .. Int32(1000), 0,
            1, // compact array: 0 entries
            .. Int64(5), .. Int64(-1),
            1, 0, 8, .. Int64(6), // one tagged field: tag 0, 8 bytes, PreviousProducerId
        ];

        Assert.Equal(expected, InternalRecord.Encode(value, 1));
        Assert.Equal(value, Read(expected, TransactionLogValue.Read));
    }

    [Fact]
    public void A_consumer_group_metadata_key_has_version_3_and_its_value_is_flexible()
    {
        Assert.Equal([.. Int16(3), .. String("g")], InternalRecord.Encode(new ConsumerGroupMetadataKey { GroupId = "g" }, InternalRecord.ConsumerGroupMetadataKeyVersion));
        Assert.Equal([.. Int16(0), .. Int32(9), 0], InternalRecord.Encode(new ConsumerGroupMetadataValue { Epoch = 9 }, 0));
    }

    private delegate T ReadStruct<out T>(ref KafkaReader reader, short version);

    private static T Read<T>(byte[] bytes, ReadStruct<T> read)
    {
        var reader = new KafkaReader(bytes);
        var result = read(ref reader, InternalRecord.ReadVersion(ref reader));
        Assert.True(reader.End);
        return result;
    }

    private static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] String(string value) => [.. Int16((short)Encoding.UTF8.GetByteCount(value)), .. Encoding.UTF8.GetBytes(value)];
}
