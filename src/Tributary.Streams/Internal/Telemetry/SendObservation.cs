using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// What is observed of one record sent: its <c>send {topic}</c> span (kind Producer) and the measurements recorded when
/// the broker acknowledges it (<c>messaging.client.sent.messages</c>, <c>messaging.client.operation.duration</c>).
/// Created only when <see cref="KafkaTelemetry.ObservingSends"/>.
/// </summary>
internal sealed class SendObservation
{
    private readonly Activity? _span;
    private readonly long _startTimestamp;
    private readonly string _topic;

    private SendObservation(Activity? span, long startTimestamp, string topic)
    {
        _span = span;
        _startTimestamp = startTimestamp;
        _topic = topic;
    }

    /// <summary>
    /// Starts observing <paramref name="record"/>: its span's parent is the context current when the record was created
    /// (the consumer span of a consume-transform-produce stream), else the current one; the span's context goes into
    /// the record's headers.
    /// </summary>
    public static SendObservation Start<TKey, TValue>(ProducerRecord<TKey, TValue> record)
    {
        var previous = Activity.Current;
        var span = KafkaTelemetry.Source.HasListeners()
            ? KafkaTelemetry.Source.StartActivity(ActivityKind.Producer, record.CreationContext, name: $"send {record.Topic}")
            : null;
        if (span is not null)
        {
            if (span.IsAllDataRequested)
            {
                span.SetTag(KafkaTelemetry.SystemTag, KafkaTelemetry.System);
                span.SetTag(KafkaTelemetry.OperationNameTag, "send");
                span.SetTag(KafkaTelemetry.OperationTypeTag, "send");
                span.SetTag(KafkaTelemetry.DestinationTag, record.Topic);
                if (record.Partition is { } partition)
                    span.SetTag(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(partition));
            }
            TraceHeaders.Inject(span, record.Message);
            // The span ends on librdkafka's delivery thread; the stage's thread must not keep it as its current one.
            Activity.Current = previous;
        }
        return new SendObservation(span, KafkaTelemetry.TimestampIfMeasured(), record.Topic);
    }

    /// <summary>The broker acknowledged the record or its delivery failed (librdkafka's delivery thread).</summary>
    public void Delivered<TKey, TValue>(DeliveryReport<TKey, TValue> report) =>
        Finish(report.Partition, report.Offset, report.Error.IsError ? report.Error.Code.ToString() : null);

    /// <summary>The producer refused the record at once (serializer, full queue).</summary>
    public void Refused(Exception error) => Finish(Partition.Any, Offset.Unset, KafkaTelemetry.ErrorType(error));

    private void Finish(Partition partition, Offset offset, string? errorType)
    {
        if (_span is not null)
        {
            if (_span.IsAllDataRequested)
            {
                if (partition != Partition.Any)
                    _span.SetTag(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(partition));
                if (offset != Offset.Unset)
                    _span.SetTag(KafkaTelemetry.OffsetTag, offset.Value);
                if (errorType is not null)
                    _span.SetTag(KafkaTelemetry.ErrorTypeTag, errorType);
            }
            if (errorType is not null)
                _span.SetStatus(ActivityStatusCode.Error, errorType);
            _span.Stop();
        }
        if (!KafkaTelemetry.SentMessages.Enabled && _startTimestamp == 0)
            return;
        var tags = new TagList
        {
            { KafkaTelemetry.SystemTag, KafkaTelemetry.System },
            { KafkaTelemetry.OperationNameTag, "send" },
            { KafkaTelemetry.OperationTypeTag, "send" },
            { KafkaTelemetry.DestinationTag, _topic },
        };
        if (partition != Partition.Any)
            tags.Add(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(partition));
        if (errorType is not null)
            tags.Add(KafkaTelemetry.ErrorTypeTag, errorType);
        KafkaTelemetry.SentMessages.Add(1, tags);
        if (_startTimestamp != 0)
            KafkaTelemetry.OperationDuration.Record(Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds, tags);
    }
}
