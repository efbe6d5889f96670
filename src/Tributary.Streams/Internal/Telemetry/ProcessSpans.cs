using System.Diagnostics;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// The <c>process {topic}</c> span (kind Consumer) of the record a source stage emitted last. It starts as the record
/// is pushed and is made the current activity, so the stream's stages fused with the source (the user's
/// <c>Select</c>, the producer record it creates) handle the record inside it; it ends when the source is pulled
/// again (downstream is done with the record) or stops. Its parent is the context the producer wrote into the
/// record's headers, to which it also links, as the messaging conventions advise for a single message processed.
/// One per source stage, used on the stage's thread only.
/// </summary>
internal sealed class ProcessSpans(string groupId)
{
    private readonly string _groupId = groupId;
    private Activity? _span;
    private Activity? _previous;

    /// <summary>Starts the span of <paramref name="record"/>, about to be pushed (ending the previous one).</summary>
    public void Emitting<TKey, TValue>(ConsumeResult<TKey, TValue> record)
    {
        End();
        if (!KafkaTelemetry.Source.HasListeners())
            return;
        var creation = TraceHeaders.Extract(record.Message?.Headers);
        var previous = Activity.Current;
        var span = KafkaTelemetry.Source.StartActivity(ActivityKind.Consumer, creation,
            links: creation == default ? null : [new ActivityLink(creation)], name: KafkaTelemetry.ProcessSpanName(record.Topic));
        if (span is null)
            return;
        if (span.IsAllDataRequested)
        {
            // AddTag: a new span has none of these yet (SetTag would search its tags first).
            span.AddTag(KafkaTelemetry.SystemTag, KafkaTelemetry.System);
            span.AddTag(KafkaTelemetry.OperationNameTag, "process");
            span.AddTag(KafkaTelemetry.OperationTypeTag, "process");
            span.AddTag(KafkaTelemetry.DestinationTag, record.Topic);
            span.AddTag(KafkaTelemetry.PartitionTag, KafkaTelemetry.PartitionId(record.Partition));
            span.AddTag(KafkaTelemetry.OffsetTag, record.Offset.Value);
            if (_groupId.Length > 0)
                span.AddTag(KafkaTelemetry.GroupTag, _groupId);
        }
        (_span, _previous) = (span, previous);
    }

    /// <summary>Ends the current record's span, if any, and gives the thread back the activity it had before.</summary>
    public void End()
    {
        if (_span is not { } span)
            return;
        var wasCurrent = Activity.Current == span;
        span.Stop();
        if (wasCurrent)
            Activity.Current = _previous;
        (_span, _previous) = (null, null);
    }
}
