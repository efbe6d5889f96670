using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// The producer stages ask Confluent.Kafka for delivery reports without headers and give each report its record's
/// headers themselves. What a result or a delivery failure shows must be what Confluent.Kafka's full report shows:
/// these tests send the same records through stages with full reports (<c>dotnet.producer.delivery.report.fields=all</c>)
/// and with the stages' default, and compare, and compare both with what a consumer reads back.
/// </summary>
public sealed class DeliveryReportTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private const string FieldsProperty = "dotnet.producer.delivery.report.fields";

    [Fact]
    public async Task Results_show_the_key_value_headers_timestamp_partition_and_offset_that_full_delivery_reports_show()
    {
        var withDefault = await ProduceEnvelopesAsync(ProducerSettings());
        var withFullReports = await ProduceEnvelopesAsync(ProducerSettings().WithProperty(FieldsProperty, "all"));

        Assert.Equal(withFullReports.Deliveries.Select(Describe), withDefault.Deliveries.Select(Describe));
        foreach (var (deliveries, stored) in new[] { withDefault, withFullReports })
        {
            // The timestamps are the ones librdkafka gave the records at send time: the ones the broker stored.
            Assert.Equal(stored.Select(r => (r.Partition.Value, r.Offset.Value, r.Message.Timestamp)),
                deliveries.Select(d => (d.Partition.Value, d.Offset.Value, d.Message.Timestamp)));
            Assert.Equal(stored.Select(r => DescribeMessage(r.Message)), deliveries.Select(d => DescribeMessage(d.Message)));
            Assert.All(deliveries, d => Assert.Equal(TimestampType.CreateTime, d.Message.Timestamp.Type));
        }
    }

    [Fact]
    public async Task A_delivery_failure_shows_the_record_key_value_and_headers_as_a_full_delivery_report_does()
    {
        // The broker refuses records over the topic's max.message.bytes: the failure always comes back in a delivery
        // report (an unknown partition could fail in Produce itself or in the report, depending on whether the new
        // producer had the topic's metadata yet, and the two paths show different headers).
        var topic = KafkaFixture.UniqueName("topic");
        await Kafka.Cluster.CreateTopicAsync(topic, configs: new Dictionary<string, string> { ["max.message.bytes"] = "200" });
        async Task<DeliveryResult<string, string>> FailureOfAsync(ProducerSettings<string, string> settings, Headers? headers)
        {
            var record = new ProducerRecord<string, string>(topic, new Message<string, string> { Key = "k", Value = new string('x', 1000), Headers = headers });
            var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() => Source.Single(record)
                .RunWith(KafkaProducer.PlainSink(settings), Materializer)
                .WaitAsync(Patience));
            Assert.Equal(ErrorCode.MsgSizeTooLarge, failure.Error.Code);
            return failure.DeliveryResult;
        }

        foreach (var headers in new[] { HeadersOf(("h", "1"u8.ToArray())), null })
        {
            var withDefault = await FailureOfAsync(ProducerSettings(), headers);
            var withFullReports = await FailureOfAsync(ProducerSettings().WithProperty(FieldsProperty, "all"), headers);

            Assert.Equal(DescribeMessage(withFullReports.Message), DescribeMessage(withDefault.Message));
            Assert.NotNull(withDefault.Message.Headers);
        }
    }

    [Fact]
    public async Task The_delivery_report_fields_a_user_chooses_are_kept()
    {
        var topic = await NewTopicAsync();
        var record = new ProducerRecord<string, string>(topic, new Message<string, string> { Key = "k", Value = "v", Headers = HeadersOf(("h", [1])) });

        var result = await Source.Single(ProducerMessage.Single(record))
            .Via(KafkaProducer.FlexiFlow<string, string, NotUsed>(ProducerSettings().WithProperty(FieldsProperty, "key,value,status")))
            .RunWith(Sink.First<IResults<string, string, NotUsed>>(), Materializer)
            .WaitAsync(Patience);

        // Confluent.Kafka's report without headers and timestamp, as asked.
        var delivery = Assert.IsType<Result<string, string, NotUsed>>(result).Delivery;
        Assert.Null(delivery.Message.Headers);
        Assert.Equal(TimestampType.NotAvailable, delivery.Message.Timestamp.Type);
        Assert.Equal("v", delivery.Message.Value);
    }

    /// <summary>
    /// Sends single and multi envelopes (records with headers, with a header whose value is null, and without
    /// headers) through FlexiFlow, then reads the topic back.
    /// </summary>
    private async Task<(List<DeliveryResult<string, string>> Deliveries, List<ConsumeResult<string, string>> Stored)> ProduceEnvelopesAsync(
        ProducerSettings<string, string> settings)
    {
        var topic = await NewTopicAsync(partitions: 2);
        ProducerRecord<string, string> Record(int partition, string key, string value, Headers? headers) =>
            new(new TopicPartition(topic, partition), new Message<string, string> { Key = key, Value = value, Headers = headers });
        var envelopes = new[]
        {
            ProducerMessage.Single(Record(0, "a", "with headers", HeadersOf(("one", "1"u8.ToArray()), ("two", [2, 2]), ("one", "again"u8.ToArray()))), 1),
            ProducerMessage.Single(Record(1, "b", "without headers", null), 2),
            ProducerMessage.Single(Record(1, "c", "with a null header value", HeadersOf(("empty", null))), 3),
            ProducerMessage.Multi([Record(0, "d", "part one", HeadersOf(("part", [1]))), Record(1, "e", "part two", null)], 4),
        };

        var results = await Source.From(envelopes)
            .Via(KafkaProducer.FlexiFlow<string, string, int>(settings))
            .RunWith(Sink.Seq<IResults<string, string, int>>(), Materializer)
            .WaitAsync(Patience);

        var deliveries = results.SelectMany(r => r switch
        {
            Result<string, string, int> single => [single.Delivery],
            MultiResult<string, string, int> multi => multi.Parts,
            _ => throw new InvalidOperationException($"Unexpected result {r}"),
        }).ToList();
        var stored = await ReadAllAsync(topic, 2, deliveries.Count);
        var inDeliveryOrder = deliveries.Select(d => stored.Single(s => s.Partition == d.Partition && s.Offset == d.Offset)).ToList();
        return (deliveries, inDeliveryOrder);
    }

    private static Headers HeadersOf(params (string Key, byte[]? Value)[] headers)
    {
        var collection = new Headers();
        foreach (var (key, value) in headers)
            collection.Add(key, value);
        return collection;
    }

    /// <summary>Everything a report shows but its topic (each run has its own) and timestamp value (compared with the stored one).</summary>
    private static string Describe(DeliveryResult<string, string> delivery) =>
        $"{delivery.Partition.Value}@{delivery.Offset.Value} {delivery.Status} {delivery.Message.Timestamp.Type} {DescribeMessage(delivery.Message)}";

    private static string DescribeMessage(Message<string, string> message) =>
        $"key={message.Key} value={message.Value} headers=" + (message.Headers is null
            ? "null"
            : "[" + string.Join(", ", message.Headers.Select(h => $"{h.Key}={(h.GetValueBytes() is { } bytes ? Convert.ToHexString(bytes) : "null")}")) + "]");
}
