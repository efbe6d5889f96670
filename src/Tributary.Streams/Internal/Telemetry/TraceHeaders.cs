using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// W3C trace context in Kafka record headers (<c>traceparent</c>, <c>tracestate</c>), as OpenTelemetry's Kafka
/// instrumentations write and read it: the producer's span is the parent a consumer continues.
/// </summary>
internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Writes <paramref name="span"/>'s context into <paramref name="message"/>, replacing a context already there.</summary>
    public static void Inject<TKey, TValue>(Activity span, Message<TKey, TValue> message)
    {
        var headers = message.Headers ??= new Headers();
        headers.Remove(TraceParent);
        headers.Remove(TraceState);
        headers.Add(TraceParent, Encoding.ASCII.GetBytes(span.Id!));
        if (span.TraceStateString is { Length: > 0 } state)
            headers.Add(TraceState, Encoding.ASCII.GetBytes(state));
    }

    /// <summary>The context a producer wrote into <paramref name="headers"/>, or default when there is none (or it is malformed).</summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(TraceParent, out var parent) || parent is null)
            return default;
        var state = headers.TryGetLastBytes(TraceState, out var stateBytes) && stateBytes is not null ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out var context) ? context : default;
    }
}
