using System.Text;
using Confluent.Kafka;
using Tributary.Protocol.Records;
using CompressionCodec = Tributary.Protocol.Compression.CompressionCodec;
using KafkaTimestampType = Confluent.Kafka.TimestampType;

namespace Tributary.Protocol.Tests.Records;

/// <summary>
/// Batches written by Confluent.Kafka (librdkafka), captured by a fake broker, decode with every codec.
/// Compatibility proven against a client we did not write.
/// </summary>
public class ConfluentKafkaBatchTests
{
    private const string Topic = "captured";
    private const long FirstTimestamp = 1_700_000_000_000;

    public static TheoryData<CompressionType, CompressionCodec> Codecs => new()
    {
        { CompressionType.None, CompressionCodec.None },
        { CompressionType.Gzip, CompressionCodec.Gzip },
        { CompressionType.Snappy, CompressionCodec.Snappy },
        { CompressionType.Lz4, CompressionCodec.Lz4 },
        { CompressionType.Zstd, CompressionCodec.Zstd },
    };

    private static List<Message<byte[]?, byte[]?>> Messages() => Enumerable.Range(0, 50).Select(i => new Message<byte[]?, byte[]?>
    {
        // Every fifth record has a null key, every seventh a null value (a tombstone); values repeat so every codec shrinks them.
        Key = i % 5 == 0 ? null : Encoding.UTF8.GetBytes($"key-{i}"),
        Value = i % 7 == 0 ? null : Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"value {i} ", 20))),
        Timestamp = new Timestamp(FirstTimestamp + i, KafkaTimestampType.CreateTime),
        Headers = i % 3 == 0 ? new Headers { { "index", BitConverter.GetBytes(i) }, { "nothing", null } } : [],
    }).ToList();

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task Batches_produced_by_librdkafka_decode(CompressionType compression, CompressionCodec expectedCodec)
    {
        await using var broker = new FakeProduceBroker();
        var sent = Messages();
        var config = new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            CompressionType = compression,
            LingerMs = 500,
            MessageTimeoutMs = 30_000,
            EnableIdempotence = false,
        };
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build())
        {
            foreach (var message in sent) producer.Produce(Topic, message);
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        var received = new List<TestRecord>();
        var codecs = new List<CompressionCodec>();
        foreach (var records in broker.ProducedRecords)
        {
            foreach (var batch in new RecordBatchSequence(records))
            {
                batch.Validate();
                codecs.Add(batch.Header.Compression);
                if (batch.Header.Compression == CompressionCodec.Snappy)
                    Assert.False(batch.Bytes.Span[RecordBatchLayout.HeaderSize] == 0x82, "librdkafka writes raw snappy, not the xerial framing");
                Assert.Equal(-1, batch.Header.ProducerId);
                Assert.False(batch.Header.IsTransactional);
                using var batchRecords = batch.ReadRecords();
                foreach (var record in batchRecords) received.Add(TestRecord.From(record));
            }
        }

        var expected = sent.Select(m => new TestRecord(m.Timestamp.UnixTimestampMs, m.Key, m.Value,
            m.Headers.Select(h => (h.Key, (byte[]?)h.GetValueBytes())).ToArray())).ToList();
        Assert.Equal(expected, received);
        // librdkafka sends a batch uncompressed when compressing does not make it smaller (a lone tiny record).
        Assert.Contains(expectedCodec, codecs);
        Assert.All(codecs, codec => Assert.True(codec == expectedCodec || codec == CompressionCodec.None));
    }
}
