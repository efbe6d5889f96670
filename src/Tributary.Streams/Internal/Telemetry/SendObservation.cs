using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// What is observed of one record sent: its <c>send {topic}</c> span (kind Producer) and the measurements recorded when
/// the broker acknowledges it (<c>messaging.client.sent.messages</c>, <c>messaging.client.operation.duration</c>).
/// Created only when <see cref="KafkaTelemetry.ObservingSends"/>. It is also the record's delivery handler, so an
/// observed record costs this one object and its handler delegate beside the span.
/// </summary>
internal sealed class SendObservation<TKey, TValue>
{
    private readonly Activity? _span;
    private readonly long _startTimestamp;
    private readonly string _topic;
    private readonly Action<DeliveryReport<TKey, TValue>>? _onDelivered;
    private readonly Message<TKey, TValue>? _restoreHeadersOf;
    private readonly bool _partitionTagged; // the record's fixed partition, tagged at the start: librdkafka delivers it there

    private SendObservation(Activity? span, long startTimestamp, string topic, Action<DeliveryReport<TKey, TValue>>? onDelivered,
        Message<TKey, TValue>? restoreHeadersOf, bool partitionTagged)
    {
        _restoreHeadersOf = restoreHeadersOf;
        _partitionTagged = partitionTagged;
        _span = span;
        _startTimestamp = startTimestamp;
        _topic = topic;
        _onDelivered = onDelivered;
    }

    /// <summary>
    /// Starts observing <paramref name="record"/>: its span's parent is the context current when the record was created
    /// (the consumer span of a consume-transform-produce stream), else the current one; the span's context goes into
    /// the record's headers. <paramref name="onDelivered"/> is what <see cref="Delivered"/> hands the report on to, with
    /// the record's headers put into it when <paramref name="restoreHeaders"/> (the producer's reports leave them out).
    /// </summary>
    public static SendObservation<TKey, TValue> Start(ProducerRecord<TKey, TValue> record, Action<DeliveryReport<TKey, TValue>>? onDelivered = null,
        bool restoreHeaders = false)
    {
        Activity? span = null;
        if (KafkaTelemetry.Source.HasListeners())
        {
            var previous = Activity.Current;
            // A span keeps the activity current at its start until it stops, and makes it current again when it stops. With
            // the parent given by the creation context, that is no parent of the span, but mostly the consumer span of the
            // record being processed: kept until the acknowledgement, it would be as many survivors of the youngest
            // generation as the span itself, and the delivery thread would take it for its current activity.
            if (previous is not null && record.CreationContext != default)
                Activity.Current = null;
            span = KafkaTelemetry.Source.StartActivity(ActivityKind.Producer, record.CreationContext, name: KafkaTelemetry.SendSpanName(record.Topic));
            if (span is not null)
            {
                if (span.IsAllDataRequested)
                {
                    // AddTag: a new span has none of these yet (SetTag would search its tags first).
                    span.AddTag(KafkaTelemetry.SystemTag, KafkaTelemetry.System);
                    span.AddTag(KafkaTelemetry.OperationNameTag, "send");
                    span.AddTag(KafkaTelemetry.OperationTypeTag, "send");
                    span.AddTag(KafkaTelemetry.DestinationTag, record.Topic);
                    if (record.Partition is { } partition)
                        span.AddTag(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(partition));
                }
                TraceHeaders.Inject(span, record.Message);
            }
            // The span ends on librdkafka's delivery thread; the stage's thread must not keep it as its current one.
            Activity.Current = previous;
        }
        return new SendObservation<TKey, TValue>(span, KafkaTelemetry.TimestampIfMeasured(), record.Topic, onDelivered, restoreHeaders ? record.Message : null,
            partitionTagged: record.Partition is not null);
    }

    /// <summary>
    /// The broker acknowledged the record or its delivery failed (librdkafka's delivery thread); then the report goes
    /// on to the handler given to <see cref="Start"/>.
    /// </summary>
    public void Delivered(DeliveryReport<TKey, TValue> report)
    {
        Finish(report.Partition, report.Offset, report.Error.IsError ? report.Error.Code.ToString() : null);
        if (_restoreHeadersOf is not null)
            DeliveryReportHeaders.Restore(report, _restoreHeadersOf);
        _onDelivered?.Invoke(report);
    }

    /// <summary>The producer refused the record at once (serializer, full queue).</summary>
    public void Refused(Exception error) => Finish(Partition.Any, Offset.Unset, KafkaTelemetry.ErrorType(error));

    private void Finish(Partition partition, Offset offset, string? errorType)
    {
        if (_span is not null)
        {
            if (_span.IsAllDataRequested)
            {
                // The partition librdkafka chose is a new tag (AddTag: SetTag would first walk the span's tags, cold by the
                // time the delivery thread gets here); a fixed partition has its tag since the start.
                if (partition != Partition.Any && !_partitionTagged)
                    _span.AddTag(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(partition));
                if (offset != Offset.Unset)
                    _span.AddTag(KafkaTelemetry.OffsetTag, offset.Value);
                if (errorType is not null)
                    _span.AddTag(KafkaTelemetry.ErrorTypeTag, errorType);
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
