using System.Buffers;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// W3C trace context in Kafka record headers (<c>traceparent</c>, <c>tracestate</c>), as OpenTelemetry's Kafka
/// instrumentations write and read it: the producer's span is the parent a consumer continues. Both directions go
/// between bytes and the span's identifiers directly, without the <c>Activity.Id</c> string or a decoded copy of the
/// header (once per record).
/// </summary>
internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    // "00-" + 32 hex digits of the trace id + "-" + 16 of the span id + "-" + 2 of the flags.
    private const int TraceParentLength = 55;

    private static readonly SearchValues<byte> LowerHex = SearchValues.Create("0123456789abcdef"u8);

    /// <summary>Writes <paramref name="span"/>'s context into <paramref name="message"/>, replacing a context already there.</summary>
    public static void Inject<TKey, TValue>(Activity span, Message<TKey, TValue> message)
    {
        var headers = message.Headers ??= new Headers();
        // Headers.Remove allocates a predicate each call: look first (a record seldom carries a context already).
        if (headers.TryGetLastBytes(TraceParent, out _))
            headers.Remove(TraceParent);
        if (headers.TryGetLastBytes(TraceState, out _))
            headers.Remove(TraceState);
        headers.Add(TraceParent, Format(span.TraceId, span.SpanId, span.ActivityTraceFlags));
        if (span.TraceStateString is { Length: > 0 } state)
            headers.Add(TraceState, Encoding.ASCII.GetBytes(state));
    }

    /// <summary>The context a producer wrote into <paramref name="headers"/>, or default when there is none (or it is malformed).</summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || headers.Count == 0 || !headers.TryGetLastBytes(TraceParent, out var parent) || !IsTraceParent(parent))
            return default;
        var state = headers.TryGetLastBytes(TraceState, out var stateBytes) && stateBytes is { Length: > 0 } ? Encoding.ASCII.GetString(stateBytes) : null;
        return new ActivityContext(
            ActivityTraceId.CreateFromUtf8String(parent.AsSpan(3, 32)),
            ActivitySpanId.CreateFromUtf8String(parent.AsSpan(36, 16)),
            (ActivityTraceFlags)(HexValue(parent[53]) << 4 | HexValue(parent[54])) & ActivityTraceFlags.Recorded,
            state,
            isRemote: true);
    }

    /// <summary>The <c>traceparent</c> value of a context (version 00).</summary>
    internal static byte[] Format(ActivityTraceId traceId, ActivitySpanId spanId, ActivityTraceFlags flags)
    {
        var value = new byte[TraceParentLength];
        "00-"u8.CopyTo(value);
        Encoding.ASCII.GetBytes(traceId.ToHexString(), value.AsSpan(3, 32));
        value[35] = (byte)'-';
        Encoding.ASCII.GetBytes(spanId.ToHexString(), value.AsSpan(36, 16));
        value[52] = (byte)'-';
        value[53] = (byte)'0';
        value[54] = (flags & ActivityTraceFlags.Recorded) != 0 ? (byte)'1' : (byte)'0';
        return value;
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a W3C <c>traceparent</c> this reader understands: version 00 exactly 55
    /// bytes, a later version at least as long (its first four fields read as version 00's), lowercase hex, neither id
    /// all zeros, and not the invalid version ff.
    /// </summary>
    internal static bool IsTraceParent(byte[]? value)
    {
        if (value is null || value.Length < TraceParentLength || value[2] != '-' || value[35] != '-' || value[52] != '-')
            return false;
        if (value is [(byte)'0', (byte)'0', ..] ? value.Length != TraceParentLength : value.Length > TraceParentLength && value[TraceParentLength] != '-')
            return false;
        if (value is [(byte)'f', (byte)'f', ..])
            return false;
        var span = value.AsSpan();
        return IsHex(span[..2]) && IsHex(span.Slice(3, 32)) && IsHex(span.Slice(36, 16)) && IsHex(span.Slice(53, 2))
            && span.Slice(3, 32).IndexOfAnyExcept((byte)'0') >= 0 && span.Slice(36, 16).IndexOfAnyExcept((byte)'0') >= 0;
    }

    private static bool IsHex(ReadOnlySpan<byte> digits) => digits.IndexOfAnyExcept(LowerHex) < 0;

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : digit - 'a' + 10;
}
