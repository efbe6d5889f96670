namespace Tributary.Streams.Helpers;

/// <summary>
/// The names under which the connectors publish traces and metrics, for an OpenTelemetry set-up:
/// <c>tracing.AddSource(TributaryTelemetry.ActivitySourceName)</c>, <c>metrics.AddMeter(TributaryTelemetry.MeterName)</c>.
/// </summary>
/// <remarks>
/// Spans and instruments follow OpenTelemetry's messaging semantic conventions (<c>messaging.system</c> = <c>kafka</c>):
/// a <c>send {topic}</c> span (kind Producer) per record produced, which writes the W3C <c>traceparent</c> and
/// <c>tracestate</c> headers into the record; a <c>process {topic}</c> span (kind Consumer) per record a source emits,
/// whose parent is the context in the record's headers (and linked to it) and which is the current activity while the
/// stream's synchronous stages handle the record. Nothing is recorded, and no header written, unless a listener
/// samples the source or listens to the meter. See docs/observability.md.
/// </remarks>
public static class TributaryTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of the connectors' spans.</summary>
    public const string ActivitySourceName = "Tributary.Streams";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the connectors' instruments.</summary>
    public const string MeterName = "Tributary.Streams";
}
