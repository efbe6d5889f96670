using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// Traces and metrics of the connectors as OpenTelemetry's messaging conventions describe them. The listeners are
/// process-wide and other tests run at the same time, so every assertion looks only at this test's own topics.
/// </summary>
public sealed class TelemetryTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private static readonly ActivitySource TestSource = new("Tributary.Streams.Tests.Telemetry");

    [Fact]
    public async Task A_trace_crosses_produce_then_consume_transform_produce_then_consume_with_one_trace_id()
    {
        var (input, output) = (await NewTopicAsync(partitions: 2), await NewTopicAsync(partitions: 2));
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TributaryTelemetry.ActivitySourceName, TestSource.Name)
            .AddInMemoryExporter(spans)
            .Build();
        const int count = 4;

        // Records made inside the request's span: their send spans are its children.
        List<ProducerRecord<string, string>> records;
        ActivityContext request;
        using (var root = TestSource.StartActivity("request")!)
        {
            request = root.Context;
            records = Enumerable.Range(0, count).Select(i => new ProducerRecord<string, string>(input, $"k{i}", $"v{i}")).ToList();
        }
        await Source.From(records).RunWith(KafkaProducer.PlainSink(ProducerSettings()), Materializer).WaitAsync(Patience);

        var handlerSpans = new ConcurrentQueue<Activity?>();
        var transformed = 0;
        var transformer = KafkaConsumer.CommittableSource(ConsumerSettings(NewGroup()), Subscriptions.Topics(input))
            .Select(message =>
            {
                handlerSpans.Enqueue(Activity.Current); // the handler runs inside the record's consumer span
                Interlocked.Increment(ref transformed);
                return (IEnvelope<string, string, ICommittable>)ProducerMessage.Single(
                    new ProducerRecord<string, string>(output, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant()),
                    (ICommittable)message.CommittableOffset);
            })
            .ToMaterialized(KafkaProducer.CommittableSink(ProducerSettings(), CommitterSettings.Create(Sys)), DrainingControl<Done>.Create)
            .Run(Materializer);
        await EventuallyAsync(() => Task.FromResult(Volatile.Read(ref transformed) == count), "every record transformed");
        var outputGroup = NewGroup();
        var (reader, read) = KafkaConsumer.PlainSource(ConsumerSettings(outputGroup), Subscriptions.Topics(output)).Take(count)
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Both).Run(Materializer);
        await read.WaitAsync(Patience);
        // The last record's process span ends when its source stops, which follows the sink's completion: wait for it.
        await reader.IsShutdown.WaitAsync(Patience);
        await transformer.DrainAndShutdown().WaitAsync(Patience);
        tracing.ForceFlush();

        var ours = spans.Where(s => s.GetTagItem("messaging.destination.name") is string topic && (topic == input || topic == output)).ToList();
        List<Activity> Spans(string name) => ours.Where(s => s.DisplayName == name).ToList();
        var (sendInput, processInput, sendOutput, processOutput) = (Spans($"send {input}"), Spans($"process {input}"), Spans($"send {output}"), Spans($"process {output}"));
        Assert.Equal(count, sendInput.Count);
        Assert.Equal(count, processInput.Count);
        Assert.Equal(count, sendOutput.Count);
        Assert.Equal(count, processOutput.Count);
        Assert.All(ours, span => Assert.Equal(request.TraceId, span.TraceId));

        Assert.All(sendInput, span => AssertSend(span, input, parent: request.SpanId));
        Assert.All(processInput, span => AssertProcess(span, input, sendInput));
        Assert.All(sendOutput, span => AssertSend(span, output, parent: Assert.Single(processInput, p => p.SpanId == span.ParentSpanId).SpanId));
        Assert.All(processOutput, span => AssertProcess(span, output, sendOutput, outputGroup));
        Assert.Equal(processInput.Select(s => s.SpanId.ToHexString()).Order(), handlerSpans.Select(s => s?.SpanId.ToHexString()).Order());
    }

    [Fact]
    public async Task Metrics_count_sent_and_consumed_messages_commits_rebalances_and_lag_after_a_known_workload()
    {
        var topic = await NewTopicAsync(partitions: 1);
        var group = NewGroup();
        using var metrics = new RecordedMeasurements(topic, group);
        const int count = 10;

        await Source.From(Values(count)).Select(v => new ProducerRecord<string, string>(topic, v, v))
            .RunWith(KafkaProducer.PlainSink(ProducerSettings()), Materializer).WaitAsync(Patience);
        // Consume all ten, commit only the fourth: librdkafka's consumer_lag counts from the committed offset.
        var settings = ConsumerSettings(group).WithProperty("statistics.interval.ms", "100");
        var received = new ConcurrentQueue<CommittableMessage<string, string>>();
        var control = KafkaConsumer.CommittableSource(settings, Subscriptions.Topics(topic))
            .ToMaterialized(Sink.ForEach<CommittableMessage<string, string>>(received.Enqueue), Keep.Left)
            .Run(Materializer);
        await EventuallyAsync(() => Task.FromResult(received.Count == count), "every record consumed");
        await received.ElementAt(3).CommittableOffset.CommitAsync().WaitAsync(Patience);
        await EventuallyAsync(() => Task.FromResult(metrics.LastLag(partition: "0") == count - 4), "a lag of 6 after committing 4 of 10");
        await control.Shutdown().WaitAsync(Patience);

        Assert.Equal(count, metrics.Sum("messaging.client.sent.messages", ("messaging.operation.name", "send")));
        Assert.Equal(count, metrics.Count("messaging.client.operation.duration", ("messaging.operation.name", "send")));
        Assert.All(metrics.Of("messaging.client.sent.messages"), m => Assert.Equal("0", m.Tags["messaging.destination.partition.id"]));
        Assert.Equal(count, metrics.Sum("messaging.client.consumed.messages", ("messaging.consumer.group.name", group)));
        Assert.Equal(1, metrics.Count("messaging.client.operation.duration", ("messaging.operation.name", "commit"), ("messaging.operation.type", "settle")));
        Assert.True(metrics.Sum("tributary.consumer.rebalances", ("tributary.rebalance.kind", "assigned")) >= 1);
        Assert.All(metrics.All, m => Assert.Equal("kafka", m.Tags["messaging.system"]));
    }

    [Fact]
    public async Task Without_a_listener_no_trace_header_is_written()
    {
        var topic = await NewTopicAsync();
        // Only this class listens, one test at a time (one collection): nothing samples the source now.
        Assert.False(new ActivitySource(TributaryTelemetry.ActivitySourceName).HasListeners());

        await Source.Single(new ProducerRecord<string, string>(topic, "k", "v")).RunWith(KafkaProducer.PlainSink(ProducerSettings()), Materializer).WaitAsync(Patience);

        var record = Assert.Single(await ReadAllAsync(topic, partitions: 1, expected: 1));
        Assert.Null(record.Message.Headers?.FirstOrDefault(h => h.Key == "traceparent"));
    }

    [Fact]
    public void A_send_span_started_inside_a_consumer_span_leaves_the_delivery_thread_without_a_current_activity()
    {
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(TributaryTelemetry.ActivitySourceName, TestSource.Name).Build();
        using var consumerSpan = TestSource.StartActivity("process in", ActivityKind.Consumer)!;
        var record = new ProducerRecord<Null, string>("out", new Message<Null, string> { Value = "v" });
        var observation = SendObservation<Null, string>.Start(record);
        Activity? currentOnDeliveryThread = consumerSpan;

        // librdkafka's delivery thread shares no execution context with the stage's (UnsafeStart flows none).
        var delivery = new Thread(() =>
        {
            observation.Delivered(new DeliveryReport<Null, string>
            {
                Error = new Error(ErrorCode.NoError), TopicPartitionOffset = new TopicPartitionOffset("out", 0, 7), Message = record.Message,
            });
            currentOnDeliveryThread = Activity.Current;
        });
        delivery.UnsafeStart();
        delivery.Join();

        Assert.Null(currentOnDeliveryThread);
        Assert.Same(consumerSpan, Activity.Current);
        var parent = TraceHeaders.Extract(record.Message.Headers);
        Assert.Equal(consumerSpan.TraceId, parent.TraceId);
    }

    [Fact]
    public void A_send_span_has_one_partition_tag_whether_the_record_had_a_fixed_partition_or_the_partitioner_chose()
    {
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(TributaryTelemetry.ActivitySourceName).AddInMemoryExporter(spans).Build())
        {
            foreach (var (record, deliveredTo) in new[]
            {
                (new ProducerRecord<Null, string>(new TopicPartition("fixed", 3), new Message<Null, string> { Value = "v" }), 3),
                (new ProducerRecord<Null, string>("chosen", new Message<Null, string> { Value = "v" }), 2),
            })
            {
                SendObservation<Null, string>.Start(record).Delivered(new DeliveryReport<Null, string>
                {
                    Error = new Error(ErrorCode.NoError), TopicPartitionOffset = new TopicPartitionOffset(record.Topic, deliveredTo, 9), Message = record.Message,
                });
            }
        }

        Assert.Equal(["3", "2"], spans.Select(s => Assert.Single(s.TagObjects, t => t.Key == "messaging.destination.partition.id").Value));
        Assert.All(spans, s => Assert.Equal(9L, s.GetTagItem("messaging.kafka.offset")));
    }

    private static void AssertSend(Activity span, string topic, ActivitySpanId parent)
    {
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal(parent, span.ParentSpanId);
        AssertMessaging(span, topic, "send", "send");
    }

    private static void AssertProcess(Activity span, string topic, List<Activity> sends, string? group = null)
    {
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        var send = Assert.Single(sends, s => s.SpanId == span.ParentSpanId);
        Assert.Equal(send.SpanId, Assert.Single(span.Links).Context.SpanId);
        AssertMessaging(span, topic, "process", "process");
        Assert.Equal(send.GetTagItem("messaging.kafka.offset"), span.GetTagItem("messaging.kafka.offset"));
        Assert.Equal(send.GetTagItem("messaging.destination.partition.id"), span.GetTagItem("messaging.destination.partition.id"));
        Assert.NotNull(span.GetTagItem("messaging.consumer.group.name"));
        if (group is not null)
            Assert.Equal(group, span.GetTagItem("messaging.consumer.group.name"));
    }

    private static void AssertMessaging(Activity span, string topic, string operation, string type)
    {
        Assert.Equal("kafka", span.GetTagItem("messaging.system"));
        Assert.Equal(topic, span.GetTagItem("messaging.destination.name"));
        Assert.Equal(operation, span.GetTagItem("messaging.operation.name"));
        Assert.Equal(type, span.GetTagItem("messaging.operation.type"));
        Assert.Matches("^[0-9]+$", (string)span.GetTagItem("messaging.destination.partition.id")!);
        Assert.IsType<long>(span.GetTagItem("messaging.kafka.offset"));
    }

    /// <summary>The measurements of the connectors' meter that concern one topic or group.</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measured> _measured = new();
        private readonly string _topic;
        private readonly string _group;

        public RecordedMeasurements(string topic, string group)
        {
            (_topic, _group) = (topic, group);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TributaryTelemetry.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public IEnumerable<Measured> All => _measured;

        public IEnumerable<Measured> Of(string instrument) => _measured.Where(m => m.Instrument == instrument);

        public double Sum(string instrument, params (string Key, string Value)[] tags) => Matching(instrument, tags).Sum(m => m.Value);

        public int Count(string instrument, params (string Key, string Value)[] tags) => Matching(instrument, tags).Count();

        public double? LastLag(string partition)
        {
            _listener.RecordObservableInstruments();
            return Matching("messaging.kafka.consumer.lag", [("messaging.destination.partition.id", partition)]).LastOrDefault()?.Value;
        }

        public void Dispose() => _listener.Dispose();

        private IEnumerable<Measured> Matching(string instrument, (string Key, string Value)[] tags) =>
            Of(instrument).Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var value) && Equals(value, t.Value)));

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
                dictionary[tag.Key] = tag.Value;
            if (Equals(dictionary.GetValueOrDefault("messaging.destination.name"), _topic) || Equals(dictionary.GetValueOrDefault("messaging.consumer.group.name"), _group))
                _measured.Enqueue(new Measured(instrument.Name, value, dictionary));
        }
    }

    private sealed record Measured(string Instrument, double Value, Dictionary<string, object?> Tags);
}
